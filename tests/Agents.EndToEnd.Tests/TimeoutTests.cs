using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The system without its context agent, with a workflow whose context step waits <see cref="ContextTimeout"/> and is
/// tried twice: every incident's context step can only end by timing out.
/// </summary>
public sealed class TimeoutFixture() : SystemFixture(
    ["scheduler", "orchestrator", "triage", "investigation", "remediation", "notification", "api"],
    new Dictionary<string, string> { ["Orchestrator__WorkflowPath"] = WriteWorkflow() })
{
    /// <summary>
    /// Long enough for a loaded machine to see the dispatch through the API and kill the orchestrator before the timeout
    /// is due (the restart test needs that; an API answer alone has taken over 5 s while other fixtures started), short
    /// enough to keep the tests quick.
    /// </summary>
    public static readonly TimeSpan ContextTimeout = TimeSpan.FromSeconds(10);

    private static string WriteWorkflow()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agents-e2e-timeouts-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $$"""
            workflows:
              incident-response:
                steps:
                  triage: {}
                  context: { timeout: {{ContextTimeout.TotalSeconds}}s, attempts: 2, onExhausted: escalate }
                  investigation: {}
                  remediation: {}
                  notification: {}
            """);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class TimeoutCollection : ICollectionFixture<TimeoutFixture>
{
    public const string Name = "timeouts";
}

[Collection(TimeoutCollection.Name)]
public sealed class TimeoutTests(TimeoutFixture system)
{
    /// <summary>Two context attempts of <see cref="TimeoutFixture.ContextTimeout"/> each, then the escalation, on a loaded machine.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(75);

    [Fact]
    public async Task A_missing_agent_times_out_is_retried_then_escalates_and_its_late_replies_are_ignored()
    {
        var fingerprint = await RaiseAlert();

        var incident = await system.WaitForIncident(fingerprint, i => i.Summary.Status == IncidentStatuses.Escalated, "Escalated", Patience);

        var failures = incident.Timeline.Where(t => t.Step == IncidentSteps.Context && t.Event == "step failed").ToList();
        Assert.Equal([1, 2], failures.Select(f => f.Attempt));
        var noReply = $"no reply within {TimeoutFixture.ContextTimeout.TotalSeconds}s";
        Assert.All(failures, f => Assert.Equal(noReply, f.Detail));
        Assert.Contains($"context failed after 2 attempt(s): {noReply}", incident.EscalationReason);
        var dispatched = incident.Timeline.Where(t => t.Step == IncidentSteps.Context && t.Event == "dispatched").ToList();
        var waited = failures[0].At - dispatched[0].At;
        Assert.True(waited >= TimeoutFixture.ContextTimeout, $"attempt 1 timed out after {waited.TotalMilliseconds} ms");
        Assert.Contains(incident.Notifications, n => n.Kind == NotificationKinds.Escalation);

        try
        {
            // The agent comes back and answers both commands it missed: too late, the incident is with a human.
            await system.Start("context");
            incident = await system.WaitForIncident(fingerprint,
                i => i.Timeline.Count(t => t.Step == IncidentSteps.Context && t.Event == "late reply ignored") == 2,
                "both late context replies ignored", Patience);
        }
        finally
        {
            await system.Kill("context");
        }

        Assert.Equal(IncidentStatuses.Escalated, incident.Summary.Status);
        Assert.Null(incident.Context);
    }

    [Fact]
    public async Task A_deadline_passed_while_the_orchestrator_was_down_times_its_step_out_once_after_its_restart_without_the_scheduler()
    {
        var fingerprint = await RaiseAlert();
        // Watched in the store, not through the API (whose answers have taken seconds on a loaded machine): the
        // orchestrator must be down well before the step's deadline.
        DateTimeOffset? dispatched = null;
        await system.WaitUntil(async () => (dispatched = await ContextDispatchedAt(fingerprint)) is not null, () => "context dispatched", Patience);
        // Step timeouts need no scheduler: it stays down for the rest of the test.
        await system.Kill("orchestrator");
        await system.Kill("scheduler");
        var killedAt = DateTimeOffset.UtcNow;
        var dispatchedAt = dispatched!.Value;
        try
        {
            Assert.True(killedAt < dispatchedAt + TimeoutFixture.ContextTimeout,
                $"the orchestrator was killed {(killedAt - dispatchedAt).TotalSeconds:0.0} s after the dispatch, when the timeout may already have fired: the test proves nothing");

            // Past the due time with no orchestrator: nothing may have timed the step out.
            var due = dispatchedAt + TimeoutFixture.ContextTimeout + TimeSpan.FromSeconds(1);
            await system.WaitUntil(() => Task.FromResult(DateTimeOffset.UtcNow > due), "the due time to pass", Patience);
            // Read from the store: the API asks the orchestrator, which is down.
            await using (var connection = new Npgsql.NpgsqlConnection(system.DatabaseConnection))
            {
                await connection.OpenAsync();
                await using var read = new Npgsql.NpgsqlCommand("SELECT status, timeline::text FROM orchestrator.incidents WHERE fingerprint = @f", connection);
                read.Parameters.AddWithValue("f", fingerprint);
                await using var row = await read.ExecuteReaderAsync();
                Assert.True(await row.ReadAsync(), "the incident is not in the store");
                Assert.Equal(IncidentStatuses.CollectingContext, row.GetString(0));
                Assert.DoesNotContain("step failed", row.GetString(1), StringComparison.Ordinal);
            }

            await system.Start("orchestrator");
            var incident = await system.WaitForIncident(fingerprint, i => i.Summary.Status == IncidentStatuses.Escalated, "Escalated", Patience);

            Assert.Single(incident.Timeline, t => t.Step == IncidentSteps.Context && t.Attempt == 1 && t.Event == "step failed");
            Assert.Single(incident.Timeline, t => t.Step == IncidentSteps.Context && t.Attempt == 2 && t.Event == "step failed");
            Assert.DoesNotContain(incident.Timeline, t => t.Event == "late reply ignored");
        }
        finally
        {
            await system.Start("scheduler");
        }
    }

    /// <summary>When the incident's context step was first dispatched, from its row; null until it was.</summary>
    private async Task<DateTimeOffset?> ContextDispatchedAt(string fingerprint)
    {
        await using var connection = new Npgsql.NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var read = new Npgsql.NpgsqlCommand("""
            SELECT min((e->>'at')::timestamptz) FROM orchestrator.incidents, jsonb_array_elements(timeline) e
            WHERE fingerprint = @f AND e->>'step' = 'context' AND e->>'event' = 'dispatched'
            """, connection);
        read.Parameters.AddWithValue("f", fingerprint);
        return await read.ExecuteScalarAsync() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    [Fact]
    public async Task A_timed_out_step_its_retry_and_the_escalation_are_spans_of_the_incident_trace_and_counted()
    {
        var before = await PrometheusText.Scrape(system.Addresses("orchestrator"));
        var fingerprint = await RaiseAlert();
        var incident = await system.WaitForIncident(fingerprint, i => i.Summary.Status == IncidentStatuses.Escalated, "Escalated", Patience);
        var id = incident.Summary.IncidentId.ToString();

        // Each process exports in batches of its own: wait for the orchestrator's last span and both timeouts' spans.
        var spans = await system.Telemetry.WaitFor(all =>
            all.Any(s => s.Name == "step notification" && s.Tag("incident.id") == id) &&
            all.Count(s => s.TraceId == incident.TraceId && s.Name == "step overdue" && s.ServiceName == "orchestrator") >= 2, Patience);
        var trace = spans.Where(s => s.TraceId == incident.TraceId).ToList();

        var timedOut = trace.Where(s => s.Name == "step context").OrderBy(s => s.Start).ToList();
        Assert.Equal(["1", "2"], timedOut.Select(s => s.Tag("step.attempt")));
        Assert.All(timedOut, s => Assert.Equal("timed_out", s.Tag("step.outcome")));
        Assert.All(timedOut, s => Assert.Equal(2, s.StatusCode));
        Assert.All(timedOut, s => Assert.True(s.End - s.Start >= TimeoutFixture.ContextTimeout, $"attempt {s.Tag("step.attempt")} lasted {s.End - s.Start}"));

        // Each timeout was fired by the orchestrator's overdue sweep as a span of the same trace; the scheduler had no part.
        Assert.True(trace.Count(s => s.Name == "step overdue" && s.ServiceName == "orchestrator") >= 2,
            $"orchestrator spans in the trace: {string.Join(", ", trace.Where(s => s.ServiceName == "orchestrator").Select(s => s.Name).Distinct())}");
        Assert.DoesNotContain(trace, s => s.ServiceName == "scheduler");
        Assert.Single(trace, s => s.Name == "step notification" && s.Tag("step.outcome") == "ok");
        Assert.DoesNotContain(spans, s => s.Tag("incident.id") == id && s.TraceId != incident.TraceId && s.ServiceName != "context");

        // And the metrics say which agent timed out.
        var after = before;
        await system.WaitUntil(async () =>
        {
            after = await PrometheusText.Scrape(system.Addresses("orchestrator"));
            return Delta("agents_incidents_ended_total", ("incident_status", "Escalated")) >= 1;
        }, "the escalation counted", Patience);
        var context = ("agent_name", "context");
        Assert.Equal(2, Delta("agents_step_outcomes_total", context, ("step_outcome", "timed_out")));
        Assert.Equal(2, Delta("agents_step_duration_seconds_count", context, ("step_outcome", "timed_out")));
        Assert.Equal(1, Delta("agents_step_retries_total", context));
        Assert.Equal(1, Delta("agents_escalations_total", context));
        Assert.Equal(1, Delta("agents_step_outcomes_total", ("agent_name", "notification"), ("step_outcome", "ok")));

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
    }

    private async Task<string> RaiseAlert()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var service = $"payments-{Guid.NewGuid():N}"[..20];
        await system.PublishRaw(AgentQueues.AlertsExchange,
            IncidentFlowTests.Alertmanager(service, fingerprint, "critical", DateTimeOffset.UtcNow.AddMinutes(-1)), "prometheus.critical");
        return fingerprint;
    }
}

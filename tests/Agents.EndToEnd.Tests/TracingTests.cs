using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Testing;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// What an SRE reads in Jaeger and Prometheus: every service exports its spans over OTLP to a local receiver (as it
/// would to Jaeger) and serves <c>/metrics</c>.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class TracingTests(SystemFixture system)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task One_incident_is_one_trace_across_every_service_with_a_span_per_step()
    {
        var incident = await RunOneIncident();
        var id = incident.Summary.IncidentId.ToString();

        Assert.Matches("^[0-9a-f]{32}$", incident.TraceId);
        Assert.Equal($"{SystemFixture.JaegerUrl}trace/{incident.TraceId}", incident.TraceUrl);

        // Everything tagged with the incident, from every service, is in the incident's one trace.
        // Each service exports in batches of its own: wait until every parent of the trace's spans has arrived too.
        var spans = await system.Telemetry.WaitFor(all => IncidentSpans(all, id).Count(s => s.Name.StartsWith("step ", StringComparison.Ordinal)) == 5
            && IncidentSpans(all, id).Count(s => s.Name.StartsWith("agent ", StringComparison.Ordinal)) == 5
            && ParentsArrived(all, incident.TraceId!), Patience);
        var tagged = IncidentSpans(spans, id).ToList();
        Assert.Equal([incident.TraceId], tagged.Select(s => s.TraceId).Distinct());
        var trace = spans.Where(s => s.TraceId == incident.TraceId).ToList();
        // Step timeouts are deadlines on the incident row: an incident that never waits past one has nothing of the scheduler's.
        Assert.Subset(new HashSet<string> { "orchestrator", "triage", "context", "investigation", "remediation", "notification" },
            trace.Select(s => s.ServiceName).ToHashSet());

        // One root: the intake of the alert, in the orchestrator.
        var root = Assert.Single(trace, s => s.ParentSpanId is null);
        Assert.Equal("orchestrator", root.ServiceName);
        Assert.All(trace.Where(s => s.ParentSpanId is not null), s => Assert.Contains(trace, p => p.SpanId == s.ParentSpanId));

        foreach (var step in IncidentSteps.Agents)
        {
            var stepSpan = Assert.Single(tagged, s => s.Name == $"step {step}");
            Assert.Equal("orchestrator", stepSpan.ServiceName);
            Assert.Equal(step, stepSpan.Tag("agent.name"));
            Assert.Equal("1", stepSpan.Tag("step.attempt"));
            Assert.Equal("ok", stepSpan.Tag("step.outcome"));
            Assert.Equal("critical", stepSpan.Tag("incident.severity"));

            var agentSpan = Assert.Single(tagged, s => s.Name == $"agent {step}");
            Assert.Equal(step, agentSpan.ServiceName);
            Assert.Equal(step, agentSpan.Tag("agent.name"));
            Assert.Equal("rules", agentSpan.Tag("agent.brain"));
            Assert.Equal("1", agentSpan.Tag("step.attempt"));
            Assert.Equal("ok", agentSpan.Tag("step.outcome"));
            Assert.Equal("critical", agentSpan.Tag("incident.severity"));
            Assert.Equal("0", agentSpan.Tag("gen_ai.usage.input_tokens"));

            // The step spans from its dispatch to its reply, so it covers the agent's work.
            Assert.True(stepSpan.Start <= agentSpan.Start && agentSpan.End <= stepSpan.End,
                $"step {step} {stepSpan.Start:O}..{stepSpan.End:O} does not cover its agent {agentSpan.Start:O}..{agentSpan.End:O}");
        }

        // Rule-based brains spend no tokens, and the incident says so per agent.
        Assert.Equal(IncidentSteps.Agents.ToHashSet(), incident.Tokens.ByAgent.Keys.ToHashSet());
        Assert.All(incident.Tokens.ByAgent.Values, t => Assert.Equal(0, t.Total));
        Assert.Equal(0, incident.Tokens.Orchestration.Total);
    }

    [Fact]
    public async Task Metrics_count_the_steps_and_the_outcome_of_a_scripted_incident()
    {
        var before = await Scrape();
        var incident = await RunOneIncident();
        SystemFixture.AssertHandedOverAfterDryRun(incident);

        // The counts are reported once the orchestrator has saved the reply, a moment after the API can see it.
        PrometheusText after = before;
        await system.WaitUntil(async () =>
        {
            after = await Scrape();
            return Delta("agents_incidents_ended_total", ("incident_status", "Escalated")) >= 1
                && IncidentSteps.Agents.All(step => Delta("agents_agent_work_duration_seconds_count", ("agent_name", step)) >= 1);
        }, "the incident's metrics", Patience);

        foreach (var step in IncidentSteps.Agents)
        {
            var agent = ("agent_name", step);
            Assert.Equal(1, Delta("agents_step_outcomes_total", agent, ("step_outcome", "ok")));
            Assert.Equal(0, Delta("agents_step_outcomes_total", agent, ("step_outcome", "failed")));
            Assert.Equal(0, Delta("agents_step_outcomes_total", agent, ("step_outcome", "timed_out")));
            Assert.Equal(1, Delta("agents_step_duration_seconds_count", agent, ("step_outcome", "ok")));
            Assert.Equal(0, Delta("agents_step_retries_total", agent));
            Assert.Equal(1, Delta("agents_agent_work_duration_seconds_count", agent, ("step_outcome", "ok")));
            Assert.True(after.Has("agents_tokens_total", agent, ("gen_ai_token_type", "input"), ("tokens_cause", "work")),
                $"no token series for {step}: {string.Join(", ", after.Names.Where(n => n.StartsWith("agents_", StringComparison.Ordinal)))}");
            Assert.Equal(0, Delta("agents_tokens_total", agent));
        }

        // Every step succeeded; the dry run (the default mode) hands the incident to a human: one escalation, at remediation.
        Assert.Equal(0, Delta("agents_incidents_ended_total", ("incident_status", "Resolved")));
        Assert.Equal(1, Delta("agents_incidents_ended_total", ("incident_status", "Escalated")));
        Assert.Equal(1, Delta("agents_escalations_total", ("agent_name", IncidentSteps.Remediation)));
        Assert.Equal(1, Delta("agents_incident_time_to_terminal_seconds_count", ("incident_status", "Escalated")));
        Assert.True(Delta("agents_incident_time_to_terminal_seconds_sum", ("incident_status", "Escalated")) > 0);

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
    }

    /// <summary>Whether every span of <paramref name="traceId"/> received so far has its parent received too (or is the root).</summary>
    private static bool ParentsArrived(IReadOnlyList<ReceivedSpan> spans, string traceId)
    {
        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        return trace.All(s => s.ParentSpanId is null || ids.Contains(s.ParentSpanId));
    }

    private static IEnumerable<ReceivedSpan> IncidentSpans(IEnumerable<ReceivedSpan> spans, string incidentId) =>
        spans.Where(s => s.Tag("incident.id") == incidentId);

    private Task<PrometheusText> Scrape()
    {
        string[] services = ["orchestrator", .. IncidentSteps.Agents];
        return PrometheusText.Scrape(services.SelectMany(system.Addresses));
    }

    private async Task<IncidentDetails> RunOneIncident()
    {
        var service = $"ledger-{Guid.NewGuid():N}"[..20];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v3.2.0", "v3.1.9", alertTime.AddMinutes(-6));
        await system.PublishRaw(AgentQueues.AlertsExchange, IncidentFlowTests.Alertmanager(service, fingerprint, "critical", alertTime), "prometheus.critical");
        return await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
    }
}

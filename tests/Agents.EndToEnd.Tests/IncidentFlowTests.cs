using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using RabbitMQ.Client;
using Npgsql;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class IncidentFlowTests(SystemFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Alertmanager_alert_after_a_deploy_is_resolved_by_every_agent_with_the_timeline_in_order()
    {
        var service = $"checkout-{Guid.NewGuid():N}"[..20];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v2.8.0", "v2.7.3", alertTime.AddMinutes(-9));

        await system.PublishRaw(AgentQueues.AlertsExchange, Alertmanager(service, fingerprint, "critical", alertTime), "prometheus.critical");
        var incident = await WaitForTerminal(fingerprint);

        SystemFixture.AssertHandedOverAfterDryRun(incident);
        Assert.Equal("critical", incident.Triage?.Severity);
        Assert.Equal(service, incident.Triage?.Service);
        Assert.Contains(incident.Context!.RecentDeploys, d => d.Version == "v2.8.0");
        Assert.Equal("regression", incident.Hypothesis?.Category);
        Assert.Equal("v2.8.0", incident.Hypothesis?.SuspectVersion);
        Assert.Equal("rollback", incident.Remediation?.ActionId);
        Assert.True(incident.Remediation!.DryRun);
        Assert.Equal("v2.7.3", incident.Remediation.Parameters["to_version"]);
        Assert.Single(incident.Notifications);
        Assert.False(string.IsNullOrEmpty(incident.TraceId));

        var milestones = incident.Timeline
            .Where(t => t.Event is "alert received" or "notification sent" || t.Event.EndsWith("written", StringComparison.Ordinal))
            .Select(t => t.Step).ToList();
        Assert.Equal([IncidentSteps.Intake, .. IncidentSteps.Agents], milestones);
        Assert.Equal(incident.Timeline.OrderBy(t => t.At).ToList(), incident.Timeline);
        Assert.Contains(incident.Summary.IncidentId.ToString(), await File.ReadAllTextAsync(system.NotificationSink));

        var versions = await system.Api.GetFromJsonAsync<List<SegmentRevision>>(
            $"incidents/{incident.Summary.IncidentId}/segments/hypothesis/history", Json);
        var revision = Assert.Single(versions!);
        Assert.Equal((1, IncidentSteps.Investigation), (revision.Version, revision.Step));
        Assert.Equal("v2.8.0", revision.Value!.Value.GetProperty("suspectVersion").GetString());
        Assert.Contains(incident.Timeline, t => t.Segment == "hypothesis" && t.SegmentVersion == 1);
    }

    [Fact]
    public async Task Low_severity_alert_is_closed_with_a_low_priority_notification()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];

        await system.PublishRaw(AgentQueues.AlertsExchange, JsonSerializer.Serialize(new
        {
            source = "e2e-script",
            service = "search-api",
            summary = "Disk usage at 71% on search-api-3",
            severity = "info",
            timestamp = DateTimeOffset.UtcNow,
            labels = new { host = "search-api-3" },
            fingerprint,
        }));
        var incident = await WaitForTerminal(fingerprint);

        Assert.Equal(IncidentStatuses.Closed, incident.Summary.Status);
        Assert.Equal("low", incident.Triage?.Severity);
        Assert.Null(incident.Context);
        Assert.Equal("low-priority", Assert.Single(incident.Notifications).Kind);
    }

    [Fact]
    public async Task Repeated_alert_is_attached_to_its_open_incident()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alert = Alertmanager("ledger", fingerprint, "critical", DateTimeOffset.UtcNow);

        await system.PublishRaw(AgentQueues.AlertsExchange, alert);
        await system.PublishRaw(AgentQueues.AlertsExchange, alert);
        var incident = await WaitFor(fingerprint, i => i.Summary.AlertCount == 2, "two alerts attached");

        var all = await system.Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
        Assert.Single(all!);
        Assert.Contains(incident.Timeline, t => t.Event == "duplicate alert attached");

        // Ended before the next test of the collection, whose metric deltas must not see this incident moving.
        await WaitForTerminal(fingerprint);
    }

    [Fact]
    public async Task An_operator_reruns_an_ended_incident_from_each_step_and_rolls_a_segment_back()
    {
        var service = $"ledger-{Guid.NewGuid():N}"[..18];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v5.1.0", "v5.0.9", alertTime.AddMinutes(-5));
        await system.PublishRaw(AgentQueues.AlertsExchange, Alertmanager(service, fingerprint, "critical", alertTime));
        var incident = await WaitForTerminal(fingerprint);
        SystemFixture.AssertHandedOverAfterDryRun(incident);
        var id = incident.Summary.IncidentId;

        foreach (var step in IncidentSteps.Agents.Reverse())
        {
            // The end of each run: "escalated" once the escalation is sent (the notification step's entry).
            var runs = incident.Timeline.Count(IsEnd);
            using var rerun = await system.Api.PostAsJsonAsync($"incidents/{id}/rerun", new { fromStep = step });
            Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
            incident = await WaitFor(fingerprint, i => i.Timeline.Count(IsEnd) == runs + 1, $"ended again after a re-run from {step}");
            Assert.Contains(incident.Timeline, t => t.Event == "dispatched" && t.Step == step && t.At > incident.Timeline.Last(e => e.Event == "re-run requested").At.AddTicks(-1));
        }

        // Every re-run wrote the hypothesis again (from investigation and earlier): 1 + 3 x (cleared, written).
        var history = await system.Api.GetFromJsonAsync<List<SegmentRevision>>($"incidents/{id}/segments/hypothesis/history", Json);
        Assert.Equal(7, history!.Count);
        using var rollback = await system.Api.PostAsJsonAsync($"incidents/{id}/rollback", new { segment = "hypothesis" });
        Assert.Equal(HttpStatusCode.Accepted, rollback.StatusCode);
        history = await system.Api.GetFromJsonAsync<List<SegmentRevision>>($"incidents/{id}/segments/hypothesis/history", Json);
        Assert.Equal((8, "rolled back to version 5"), (history![^1].Version, history[^1].Change));
        var after = await system.Api.GetFromJsonAsync<IncidentDetails>($"incidents/{id}", Json);
        Assert.Equal("v5.1.0", after!.Hypothesis?.SuspectVersion);
        Assert.Equal(incident.Remediation?.Outcome, after.Remediation?.Outcome);
        Assert.Equal(
            incident.Timeline.Count(t => t.Segment == "remediation"),
            after.Timeline.Count(t => t.Segment == "remediation"));

        using var badStep = await system.Api.PostAsJsonAsync($"incidents/{id}/rerun", new { fromStep = "Prayer!" });
        Assert.Equal(HttpStatusCode.BadRequest, badStep.StatusCode);
        // A name a plug-in step could have, but not a step of this incident's workflow: the orchestrator refuses it.
        using var notInWorkflow = await system.Api.PostAsJsonAsync($"incidents/{id}/rerun", new { fromStep = "prayer" });
        Assert.Equal(HttpStatusCode.Conflict, notInWorkflow.StatusCode);
        Assert.Contains("'prayer' is not a step of the incident's workflow incident-response", await notInWorkflow.Content.ReadAsStringAsync());
        using var unknown = await system.Api.PostAsJsonAsync($"incidents/{Guid.NewGuid()}/rollback", new { segment = "context" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Incidents_in_flight_when_the_orchestrators_are_killed_all_end_after_a_restart()
    {
        const int alerts = 30;
        var service = $"orders-{Guid.NewGuid():N}"[..18];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v9.0.1", "v9.0.0", alertTime.AddMinutes(-4));
        var fingerprints = Enumerable.Range(0, alerts).Select(i => $"crash-{Guid.NewGuid():N}"[..22]).ToList();

        // Without its notification agent no incident can end: on a fast machine all thirty could otherwise be done
        // before the kill, and the test would prove nothing. Their notifications wait in the queue meanwhile.
        await system.Kill("notification");
        int inFlight;
        List<string> atKill;
        var notificationBack = false;
        try
        {
            await Task.WhenAll(fingerprints.Select(f => system.PublishRaw(AgentQueues.AlertsExchange, Alertmanager(service, f, "critical", alertTime))));
            await WaitForStore(fingerprints, rows => rows.Count >= 5, "five incidents stored");
            await system.Kill("orchestrator");
            atKill = await StoredStatuses(fingerprints);
            inFlight = atKill.Count(s => !IncidentStatuses.Terminal.Contains(s));
            output.WriteLine($"at SIGKILL: {atKill.Count} of {alerts} incidents stored, {inFlight} in flight");
            // The notification agent comes back with them: its commands' step timeouts have been running since their dispatch.
            await Task.WhenAll(system.Start("orchestrator", 2), system.Start("notification"));
            notificationBack = true;
        }
        finally
        {
            if (!notificationBack)
            {
                await system.Start("notification");
            }
        }

        // Thirty incidents on two cold orchestrators, each of which resends the commands of every incident in flight.
        var final = await WaitForStore(fingerprints, rows => rows.Count == alerts && rows.All(IncidentStatuses.Terminal.Contains), "every incident ended",
            TimeSpan.FromSeconds(180));
        // Every service here is in the default dry-run mode: each incident ends handed to a human after its dry run.
        output.WriteLine($"after the restart: {final.Count(s => s == IncidentStatuses.Escalated)} of {alerts} Escalated after their dry run");
        Assert.All(final, s => Assert.Equal(IncidentStatuses.Escalated, s));
        Assert.True(inFlight + (alerts - atKill.Count) > 0, "nothing was in flight when the orchestrators were killed: the test proved nothing");
    }

    /// <summary>Consumers on the saga queue per the management API, polled until <paramref name="expected"/> (its figures lag a few seconds).</summary>
    private async Task<int> SagaQueueConsumers(int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var consumers = -1;
        while (DateTime.UtcNow < deadline && consumers != expected)
        {
            var queue = await system.Management.GetFromJsonAsync<JsonElement>($"api/queues/{Uri.EscapeDataString(system.VirtualHost)}/{AgentQueues.Orchestrator}");
            consumers = queue.TryGetProperty("consumers", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : -1;
            if (consumers != expected)
            {
                await Task.Delay(200);
            }
        }

        return consumers;
    }

    private async Task<List<string>> StoredStatuses(IReadOnlyList<string> fingerprints)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT status FROM orchestrator.incidents WHERE fingerprint = ANY(@f)", connection);
        query.Parameters.AddWithValue("f", fingerprints.ToArray());
        var statuses = new List<string>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetString(0));
        }

        return statuses;
    }

    private async Task<List<string>> WaitForStore(IReadOnlyList<string> fingerprints, Func<List<string>, bool> condition, string what,
        TimeSpan? patience = null)
    {
        var wait = patience ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + wait;
        List<string> statuses;
        do
        {
            statuses = await StoredStatuses(fingerprints);
            if (condition(statuses))
            {
                return statuses;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{what} did not happen within {wait.TotalSeconds:0} s: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key} {g.Count()}"))}{Environment.NewLine}{system.Diagnostics()}");
        return statuses;
    }

    [Fact]
    public async Task An_alert_body_read_again_after_its_incident_ended_opens_no_second_incident()
    {
        // RabbitMQ delivers a body again when a crash (of the broker or of the orchestrator) lost its acknowledgement,
        // however long ago it was handled: the intake derives the incident's id from the body's message id, and the saga
        // knows that id even though its incident has ended. Without a message id the body would count as a new alert.
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var messageId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(new
        {
            source = "e2e-script", service = "search-api", summary = "Disk usage at 72% on search-api-4", severity = "info",
            timestamp = DateTimeOffset.UtcNow, fingerprint,
        });
        await system.PublishRaw(AgentQueues.AlertsExchange, body, messageId: messageId);
        var first = await WaitForTerminal(fingerprint);
        // Acknowledged once the saga committed what the message did; the collection runs one test at a time and this
        // incident has ended, so the next acknowledgement on the saga's queue is the body read again.
        var before = await system.Acknowledged(AgentQueues.Orchestrator);

        await system.PublishRaw(AgentQueues.AlertsExchange, body, messageId: messageId);
        await system.WaitUntil(async () => await system.Acknowledged(AgentQueues.Orchestrator) > before, "the saga to handle the alert read again", Patience);

        var all = await system.Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
        var only = Assert.Single(all!);
        Assert.Equal((first.Summary.IncidentId, IncidentStatuses.Closed, 1), (only.IncidentId, only.Status, only.AlertCount));
    }

    [Fact]
    public async Task A_repeat_body_read_again_is_counted_once_and_after_its_incident_ended_opens_no_second_incident()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        string Body() => JsonSerializer.Serialize(new
        {
            source = "e2e-script", service = "ledger-api", summary = "ledger-api error rate above 20%", severity = "critical",
            timestamp = DateTimeOffset.UtcNow, labels = new { alertname = "HighErrorRate", error_rate = "0.23" }, fingerprint,
        });
        await system.PublishRaw(AgentQueues.AlertsExchange, Body(), messageId: Guid.NewGuid().ToString());
        // No deploy to blame: the incident escalates and stays open for its repeats until a human resolves it.
        var escalated = await WaitFor(fingerprint, i => i.Summary.Status == IncidentStatuses.Escalated, "Escalated");
        var repeatId = Guid.NewGuid().ToString();
        var repeat = Body();
        await system.PublishRaw(AgentQueues.AlertsExchange, repeat, messageId: repeatId);
        await WaitFor(fingerprint, i => i.Summary.AlertCount == 2, "the repeat attached");

        // The repeat's body read again while the incident is open: recorded, counted once.
        await system.PublishRaw(AgentQueues.AlertsExchange, repeat, messageId: repeatId);
        var open = await WaitFor(fingerprint, i => i.Timeline.Count(t => t.Event == "repeat read again") == 1, "the repeat read again recorded");
        Assert.Equal(2, open.Summary.AlertCount);

        using var resolved = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{escalated.Summary.IncidentId}/resolve", new { note = "fixed by hand" });
        Assert.True(resolved.IsSuccessStatusCode, await resolved.Content.ReadAsStringAsync());
        await WaitFor(fingerprint, i => i.Summary.Status == IncidentStatuses.Resolved, "Resolved");

        // And again after the incident ended: it finds the incident it was attached to, not a new one.
        await system.PublishRaw(AgentQueues.AlertsExchange, repeat, messageId: repeatId);
        await WaitFor(fingerprint, i => i.Timeline.Count(t => t.Event == "repeat read again") == 2, "the repeat read again after the end recorded");
        var all = await system.Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
        var only = Assert.Single(all!);
        Assert.Equal((escalated.Summary.IncidentId, IncidentStatuses.Resolved, 2), (only.IncidentId, only.Status, only.AlertCount));
    }

    [Fact]
    public async Task A_burst_of_identical_alerts_opens_one_incident_that_counts_them_all()
    {
        const int alerts = 100;
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        Assert.Equal(2, await SagaQueueConsumers(expected: 2)); // both orchestrators compete for the burst
        var alert = Alertmanager("payments", fingerprint, "critical", DateTimeOffset.UtcNow);

        await Task.WhenAll(Enumerable.Range(0, alerts).Select(_ => system.PublishRaw(AgentQueues.AlertsExchange, alert)));

        var incident = await WaitFor(fingerprint, i => i.Summary.AlertCount == alerts, $"{alerts} alerts attached");
        var all = await system.Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
        Assert.Single(all!);
        // Every repeat is counted; repeats in a row share one entry.
        var repeats = incident.Timeline.Where(t => t.Event == "duplicate alert attached").ToList();
        Assert.Equal(alerts - 1, repeats.Sum(t => t.Count ?? 1));
        Assert.True(repeats.Count < alerts - 1, $"{repeats.Count} timeline entries for {alerts - 1} repeats: they should be counted, not appended");

        // Ended before the next test of the collection, whose metric deltas must not see this incident moving.
        await WaitForTerminal(fingerprint);
    }

    [Theory]
    [InlineData("{\"event\": {\"id\": \"MARKER\", ", "JsonReaderException: Expected")]
    [InlineData("{\"hello\": \"MARKER\"}", "Not a recognised alert")]
    [InlineData("{\"source\": \"cron\", \"service\": \"MARKER\", \"summary\": \"late\"}", "timestamp")]
    public async Task Bad_alert_lands_in_the_intake_error_queue_with_its_reason(string template, string reasonFragment)
    {
        var marker = Guid.NewGuid().ToString("N");
        var body = template.Replace("MARKER", marker, StringComparison.Ordinal);

        await system.PublishRaw(AgentQueues.AlertsExchange, body);
        var (faulted, reason) = await system.WaitForErrorQueueMessage($"{AgentQueues.AlertIntake}_error", marker);

        Assert.Equal(body, faulted);
        Assert.Contains(reasonFragment, reason, StringComparison.OrdinalIgnoreCase);
        using var health = await system.Api.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task An_alert_the_orchestrator_cannot_store_is_dead_lettered_pages_once_and_completes_when_replayed()
    {
        var service = $"orders-{Guid.NewGuid():N}"[..20];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v5.1.0", "v5.0.9", alertTime.AddMinutes(-5));
        var fault = $"e2e_refuse_{fingerprint}";
        await Sql($"""
            CREATE FUNCTION orchestrator.{fault}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.fingerprint = '{fingerprint}' THEN RAISE EXCEPTION 'disk full (e2e fault for {fingerprint})'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER {fault} BEFORE INSERT ON orchestrator.incidents FOR EACH ROW EXECUTE FUNCTION orchestrator.{fault}();
            """);

        await system.PublishRaw(AgentQueues.AlertsExchange, Alertmanager(service, fingerprint, "critical", alertTime), "prometheus.critical");
        var dead = await WaitForDeadLetter(AgentQueues.Orchestrator, fingerprint);
        Assert.Contains("disk full", dead.GetProperty("reason").GetString());
        Assert.True(dead.GetProperty("retryCount").GetInt32() > 0, "a database failure is transient: it must have been retried first");
        var incidentId = JsonDocument.Parse(dead.GetProperty("body").GetString()!).RootElement.GetProperty("message").GetProperty("incidentId").GetGuid();
        await WaitForEmergencyPages(incidentId, 1);
        // Straight to PagerDuty as well (the notification agent might be what is down), under the same dedup key: one alert.
        var dedupKey = $"agents-incident-{incidentId:D}";
        await system.WaitUntil(() => Task.FromResult(system.PagerDuty.Requests.Any(r => r.Json?["dedup_key"]?.GetValue<string>() == dedupKey
            && r.Json?["payload"]?["component"]?.GetValue<string>() == "orchestrator")), "the orchestrator's own PagerDuty page", TimeSpan.FromSeconds(30));
        Assert.Single(system.PagerDuty.Alerts, a => a.DedupKey == dedupKey);

        await Sql($"DROP TRIGGER {fault} ON orchestrator.incidents; DROP FUNCTION orchestrator.{fault}();");
        using var replay = await system.Api.PostAsJsonAsync(
            $"dead-letters/{AgentQueues.Orchestrator}/replay", new { messageId = dead.GetProperty("messageId").GetString() });
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());

        var incident = await WaitForTerminal(fingerprint);
        SystemFixture.AssertHandedOverAfterDryRun(incident);
        Assert.Equal(incidentId, incident.Summary.IncidentId);
        Assert.Equal(1, await system.EmergencyPages(incidentId));
        Assert.DoesNotContain(await DeadLetters(AgentQueues.Orchestrator), d => d.GetProperty("body").GetString()!.Contains(fingerprint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_command_that_cannot_be_deserialised_is_dead_lettered_at_once_and_listed_with_its_reason()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using (var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            await channel.BasicPublishAsync("", AgentQueues.Triage, mandatory: true,
                new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json", MessageId = Guid.NewGuid().ToString() },
                System.Text.Encoding.UTF8.GetBytes($"{{\"messageType\": [\"urn:message:Agents.Contracts.Triage:TriageIncident\"], \"message\": {{\"incidentId\": \"{marker}"));
        }

        var dead = await WaitForDeadLetter(AgentQueues.Triage, marker);
        Assert.False(string.IsNullOrEmpty(dead.GetProperty("reason").GetString()));
        Assert.True(dead.GetProperty("retryCount").ValueKind == JsonValueKind.Null || dead.GetProperty("retryCount").GetInt32() == 0,
            $"a message that cannot be read was retried: {dead}");

        var queues = await system.Api.GetFromJsonAsync<List<JsonElement>>("dead-letters", Json);
        Assert.Contains(queues!, q => q.GetProperty("queue").GetString() == AgentQueues.Triage && q.GetProperty("messages").GetInt32() >= 1);
        var shown = await system.Api.GetFromJsonAsync<JsonElement>($"dead-letters/{AgentQueues.Triage}/{dead.GetProperty("messageId").GetString()}", Json);
        Assert.Contains(marker, shown.GetProperty("body").GetString());
        using var unknown = await system.Api.GetAsync("dead-letters/nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        using var purged = await system.Api.DeleteAsync($"dead-letters/{AgentQueues.Triage}");
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.DoesNotContain(await DeadLetters(AgentQueues.Triage), d => d.GetProperty("body").GetString()!.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_incident_is_a_404_and_a_bad_status_filter_a_400()
    {
        using var missing = await system.Api.GetAsync($"incidents/{Guid.NewGuid()}");
        using var badFilter = await system.Api.GetAsync("incidents?status=Exploded");
        using var badSegment = await system.Api.GetAsync($"incidents/{Guid.NewGuid()}/segments/Horoscope!/history");
        using var missingHistory = await system.Api.GetAsync($"incidents/{Guid.NewGuid()}/segments/context/history");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badSegment.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingHistory.StatusCode);
    }

    internal static string Alertmanager(string service, string fingerprint, string severity, DateTimeOffset startsAt) =>
        JsonSerializer.Serialize(new
        {
            version = "4",
            groupKey = "{}:{alertname=\"HighErrorRate\"}",
            truncatedAlerts = 0,
            status = "firing",
            receiver = "agents",
            groupLabels = new { alertname = "HighErrorRate" },
            commonLabels = new { alertname = "HighErrorRate", severity },
            commonAnnotations = new { },
            externalURL = "http://alertmanager.local:9093",
            alerts = new[]
            {
                new
                {
                    status = "firing",
                    labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = service, ["severity"] = severity, ["error_rate"] = "0.23" },
                    annotations = new Dictionary<string, string> { ["summary"] = $"{service} 5xx error rate is 23%" },
                    startsAt,
                    endsAt = "0001-01-01T00:00:00Z",
                    generatorURL = "http://prometheus.local:9090/graph",
                    fingerprint,
                },
            },
        });

    private async Task<List<JsonElement>> DeadLetters(string queue) =>
        await system.Api.GetFromJsonAsync<List<JsonElement>>($"dead-letters/{queue}?limit=500", Json) ?? [];

    private async Task<JsonElement> WaitForDeadLetter(string queue, string marker)
    {
        JsonElement found = default;
        await system.WaitUntil(async () =>
        {
            found = (await DeadLetters(queue)).FirstOrDefault(d => d.GetProperty("body").GetString()!.Contains(marker, StringComparison.Ordinal));
            return found.ValueKind == JsonValueKind.Object;
        }, $"a message with {marker} in {queue}_error", TimeSpan.FromSeconds(45));
        return found;
    }

    private async Task WaitForEmergencyPages(Guid incidentId, int expected)
    {
        await system.WaitUntil(async () => await system.EmergencyPages(incidentId) >= expected, $"{expected} emergency page(s)", TimeSpan.FromSeconds(30));
        Assert.Equal(expected, await system.EmergencyPages(incidentId));
    }

    private async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static bool IsEnd(TimelineEntry entry) => entry.Event == "escalated" && entry.Step == IncidentSteps.Notification;

    private Task<IncidentDetails> WaitForTerminal(string fingerprint) =>
        WaitFor(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "a terminal status");

    private Task<IncidentDetails> WaitFor(string fingerprint, Func<IncidentDetails, bool> condition, string what) =>
        system.WaitForIncident(fingerprint, condition, what, Patience);

    /// <summary>
    /// A fixture's first incident waits for every service's first connection, compilation and pool (close to a minute on
    /// a loaded two-core machine); the later ones take a few seconds.
    /// </summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
}

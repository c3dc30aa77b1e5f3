using System.Net.Http.Json;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Testing;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The notification agent reaching people through Slack, PagerDuty and Jira (local fakes speaking their APIs), every
/// service in its own process: an escalated incident makes one PagerDuty alert, one Slack thread and one Jira issue,
/// also when the agent is killed mid-delivery and the command is delivered again; a human's resolution resolves the
/// PagerDuty alert and updates the Slack head message.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class NotificationChannelsTests(SystemFixture system, ITestOutputHelper output)
{
    [Fact]
    public async Task An_escalation_pages_once_per_channel_and_a_humans_resolution_resolves_the_page_and_updates_the_thread()
    {
        var (id, service) = await Escalate();

        var incident = await system.WaitForIncident(Fingerprint(service), i => i.Notifications.Count > 0, "notified", TimeSpan.FromSeconds(30));
        var deliveries = incident.Notifications[0].Deliveries;
        output.WriteLine(string.Join(Environment.NewLine, deliveries.Select(d => $"{d.Channel} {d.Target} {d.Status} {d.ExternalId} {d.Detail}")));
        Assert.Equal(["file", "jira", "pagerduty", "slack"], deliveries.Select(d => d.Channel).Order());
        Assert.All(deliveries, d => Assert.Equal(ChannelDeliveryStatuses.Delivered, d.Status));

        var alert = Assert.Single(system.PagerDuty.Alerts, a => a.DedupKey == $"agents-incident-{id:D}");
        Assert.Equal("triggered", alert.State);
        var head = Assert.Single(system.Slack.Messages(FakeSlack.IncidentsChannelId), m => m.Body.ToJsonString().Contains(service, StringComparison.Ordinal));
        var issue = Assert.Single(system.Jira.Issues, i => i.Labels.Contains($"agents-incident-{id:N}"));
        // Links from the system's own addresses: the incident, and its trace (the command is handled inside it).
        var headJson = head.Body.ToJsonString();
        Assert.Contains($"http://agents.e2e.test/incidents/{id:D}", headJson, StringComparison.Ordinal);
        Assert.Contains($"{SystemFixture.JaegerUrl}trace/{incident.TraceId}", headJson, StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", headJson, StringComparison.Ordinal);

        using var resolved = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{id}/resolve", new { note = "failed over to the replica" });
        Assert.True(resolved.IsSuccessStatusCode, await resolved.Content.ReadAsStringAsync());

        await system.WaitUntil(() => Task.FromResult(alert.State == "resolved"), "the PagerDuty alert resolved", TimeSpan.FromSeconds(30));
        await system.WaitUntil(() => Task.FromResult(head.Edits >= 1 && system.Slack.Replies(FakeSlack.IncidentsChannelId, head.Ts).Count >= 1),
            "the Slack head updated and a reply in its thread", TimeSpan.FromSeconds(30));
        await system.WaitUntil(() => Task.FromResult(issue.Comments.Count >= 1), "a comment on the Jira issue", TimeSpan.FromSeconds(30));
        Assert.Single(system.PagerDuty.Alerts, a => a.DedupKey == $"agents-incident-{id:D}");
        Assert.Single(system.Jira.Issues, i => i.Labels.Contains($"agents-incident-{id:N}"));
    }

    [Fact]
    public async Task A_notification_agent_killed_mid_delivery_never_posts_the_page_twice()
    {
        var service = $"kill-notify-{Guid.NewGuid():N}"[..20];
        // Slack takes the head message but never answers: the agent is killed while it waits.
        system.Slack.HoldUntilAborted = call => call.Method == "chat.postMessage" && call.RawBody.Contains(service, StringComparison.Ordinal);
        try
        {
            var (id, _) = await Escalate(service);
            await system.WaitUntil(() => Task.FromResult(SlackPosts(service) == 1), "the held Slack post", TimeSpan.FromSeconds(90));
            await system.Kill("notification");
            system.Slack.HoldUntilAborted = null;
            await system.Start("notification");

            var incident = await system.WaitForIncident(Fingerprint(service), i => IncidentStatuses.Terminal.Contains(i.Summary.Status) && i.Notifications.Count > 0,
                "ended notified", TimeSpan.FromSeconds(120));
            var slack = incident.Notifications[^1].Deliveries.Single(d => d.Channel == "slack");
            output.WriteLine($"slack: {slack.Status}: {slack.Detail}");
            Assert.Equal(ChannelDeliveryStatuses.Unconfirmed, slack.Status);

            // At most once on Slack, whose API has no deduplication; exactly one alert and one issue on the others.
            Assert.Equal(1, SlackPosts(service));
            Assert.Single(system.PagerDuty.Alerts, a => a.DedupKey == $"agents-incident-{id:D}");
            Assert.Single(system.Jira.Issues, i => i.Labels.Contains($"agents-incident-{id:N}"));
        }
        finally
        {
            system.Slack.HoldUntilAborted = null;
        }
    }

    private int SlackPosts(string service) =>
        system.Slack.Calls.Count(c => c.Method == "chat.postMessage" && c.RawBody.Contains(service, StringComparison.Ordinal));

    private static string Fingerprint(string service) => $"fp-{service}";

    /// <summary>A critical alert of a service without deploys: the investigation is not confident, the incident escalates.</summary>
    private async Task<(Guid Id, string Service)> Escalate(string? service = null)
    {
        service ??= $"notify-{Guid.NewGuid():N}"[..18];
        await system.PublishRaw(AgentQueues.AlertsExchange, JsonSerializer.Serialize(new
        {
            source = "e2e-script",
            service,
            summary = $"{service} error rate above 20% <!channel>",
            severity = "critical",
            timestamp = DateTimeOffset.UtcNow.AddMinutes(-1),
            labels = new { alertname = "HighErrorRate", error_rate = "0.23" },
            fingerprint = Fingerprint(service),
        }));
        var incident = await system.WaitForIncident(Fingerprint(service), i => i.Summary.Status is IncidentStatuses.Escalated or IncidentStatuses.Notifying,
            "escalating", TimeSpan.FromSeconds(90));
        return (incident.Summary.IncidentId, service);
    }
}

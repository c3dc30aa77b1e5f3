using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The shipped workflow file's routing end to end, every service in its own process: the payments database's
/// incident runs the human-approved workflow, whose change-freeze step is the example plug-in agent (its own process,
/// the generic step command and reply as JSON on RabbitMQ), and waits for an operator's approval through the API; a
/// security alert runs the notify-only workflow and is handed to a human with its context.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class WorkflowTests(SystemFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_payments_database_runs_the_plug_in_freeze_check_and_its_remediation_plan_waits_for_an_operators_approval()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy("payments-db", "v5.2.0", "v5.1.4", alertTime.AddMinutes(-9));
        await system.PublishRaw(AgentQueues.AlertsExchange, JsonSerializer.Serialize(new
        {
            source = "e2e-script",
            service = "payments-db",
            summary = "payments-db error rate above 20%",
            severity = "critical",
            timestamp = alertTime,
            labels = new { alertname = "HighErrorRate", error_rate = "0.23" },
            fingerprint,
        }));

        var waiting = await system.WaitForIncident(fingerprint, i => i.Summary.Status == IncidentStatuses.AwaitingApproval || IsEnded(i),
            "waiting for an operator's approval", TimeSpan.FromSeconds(90));
        output.WriteLine(string.Join(Environment.NewLine, waiting.Timeline.Select(t => $"{t.At:HH:mm:ss.fff} {t.Step} {t.Event}: {t.Detail}")));
        Assert.True(waiting.Summary.Status == IncidentStatuses.AwaitingApproval, $"ended {waiting.Summary.Status}: {waiting.EscalationReason}");
        Assert.Equal(("human-approved", "payments-db"), (waiting.Workflow, waiting.WorkflowRule));
        Assert.Matches("^[0-9a-f]{12}$", waiting.WorkflowVersion);

        // The plug-in agent answered the generic command: its result is the incident's change-freeze segment.
        var freeze = waiting.Steps["change-freeze"];
        Assert.False(freeze.GetProperty("frozen").GetBoolean());
        Assert.Equal("payments-db", freeze.GetProperty("service").GetString());
        Assert.Contains(waiting.Timeline, t => t.Step == "change-freeze" && t.Event == "change-freeze segment written" && t.Segment == "change-freeze");
        Assert.Equal(("human", RemediationApprovalStatuses.Pending), (waiting.Approval!.Kind, waiting.Approval.Status));
        // What the operator approves is the remediation agent's concrete plan, sealed with its hash.
        Assert.Equal(("rollback", "v5.1.4"), (waiting.Approval.Plan!.ActionId, waiting.Approval.Plan.Parameters["to_version"]));
        Assert.Matches("^[0-9a-f]{64}$", waiting.Approval.Plan.Hash);
        Assert.Null(waiting.Remediation);
        var history = await system.Api.GetFromJsonAsync<List<SegmentRevision>>($"incidents/{waiting.Summary.IncidentId}/segments/change-freeze/history", Json);
        Assert.Equal(1, Assert.Single(history!).Version);

        // A viewer may not decide; an operator approves.
        var refused = await system.ApiAs("viewer").PostAsJsonAsync($"incidents/{waiting.Summary.IncidentId}/approval", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var approved = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{waiting.Summary.IncidentId}/approval",
            new { decision = "approve", note = "rollback to v5.1.4 is safe" });
        Assert.True(approved.IsSuccessStatusCode, $"{(int)approved.StatusCode}: {await approved.Content.ReadAsStringAsync()}");

        // Approved, it runs in the service's mode: the default dry-run hands it to a human with the approved plan recorded.
        var resolved = await system.WaitForIncident(fingerprint, IsEnded, "ended after the approval", TimeSpan.FromSeconds(60));
        SystemFixture.AssertHandedOverAfterDryRun(resolved);
        Assert.Equal(("rollback", "v5.1.4"), (resolved.Remediation!.ActionId, resolved.Remediation.Parameters["to_version"]));
        Assert.Equal(RemediationApprovalStatuses.Approved, resolved.Approval!.Status);
        Assert.Contains(resolved.Timeline, t => t.Event == "remediation approved" && t.Actor == "apikey:e2e-operator");
    }

    [Fact]
    public async Task A_security_alert_runs_the_notify_only_workflow_and_is_handed_to_a_human_with_its_context()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        await system.PublishRaw(AgentQueues.AlertsExchange, JsonSerializer.Serialize(new
        {
            source = "e2e-script",
            service = "auth-service",
            summary = "Unusual number of failed logins for admin accounts",
            severity = "high",
            timestamp = DateTimeOffset.UtcNow,
            labels = new { alertname = "FailedAdminLogins", category = "security" },
            fingerprint,
        }));

        var incident = await system.WaitForIncident(fingerprint, IsEnded, "ended", TimeSpan.FromSeconds(90));

        Assert.Equal(("notify-only", "security-alerts"), (incident.Workflow, incident.WorkflowRule));
        Assert.Equal(IncidentStatuses.Escalated, incident.Summary.Status);
        Assert.NotNull(incident.Context);
        Assert.Null(incident.Hypothesis);
        Assert.Null(incident.Remediation);
        Assert.Equal("escalation", Assert.Single(incident.Notifications).Kind);
        Assert.Equal("the notify-only workflow hands the incident to a human after context (it has no remediation step)", incident.EscalationReason);
    }

    private static bool IsEnded(IncidentDetails incident) => IncidentStatuses.Terminal.Contains(incident.Summary.Status);
}

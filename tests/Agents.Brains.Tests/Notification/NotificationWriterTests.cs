using Agents.Brains.Tests.Support;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Notification.Brain;

namespace Agents.Brains.Tests.Notification;

public sealed class NotificationWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 2, 20, 0, TimeSpan.Zero);

    private readonly NotificationWriter _writer = new(new FixedTimeProvider(Now));

    [Fact]
    public async Task Resolution_summary_tells_what_fired_why_and_what_was_done_as_a_dry_run()
    {
        var outcome = await _writer.DecideAsync(Notify(NotificationKinds.Resolution, FullSnapshot()), default);

        var record = Assert.IsType<NotificationRecord>(outcome.Result);
        Assert.Equal("rules", _writer.Kind);
        Assert.Equal("resolution", record.Kind);
        Assert.Equal("high", record.Priority);
        Assert.Equal(["log", "local-sink"], record.Channels);
        Assert.Equal(Now, record.SentAt);
        Assert.Equal("Resolved: [critical] auth-service — auth-service 5xx error rate is 23%", record.Title);
        var summary = record.Summary;
        Assert.Contains("DRY RUN: nothing was executed", summary, StringComparison.Ordinal);
        Assert.Contains("What fired: auth-service 5xx error rate is 23% (alertmanager alert from agents, at 2026-11-24 02:13:00 UTC)", summary, StringComparison.Ordinal);
        Assert.Contains("Severity: critical", summary, StringComparison.Ordinal);
        Assert.Contains("Service: auth-service", summary, StringComparison.Ordinal);
        Assert.Contains("Hypothesis: regression, confidence 90%: Regression introduced by deploy v7.4.2", summary, StringComparison.Ordinal);
        Assert.Contains("Suspect version: v7.4.2; last good version: v7.4.1", summary, StringComparison.Ordinal);
        Assert.Contains("  - [deploy] Deploy of auth-service v7.4.2", summary, StringComparison.Ordinal);
        Assert.Contains("Remediation: rollback (DRY RUN, nothing was executed)", summary, StringComparison.Ordinal);
        Assert.Contains("  - would: roll back auth-service to v7.4.1", summary, StringComparison.Ordinal);
        Assert.Contains("Alerts: this alert fired 3 times", summary, StringComparison.Ordinal);
        Assert.Contains($"Incident: {Samples.IncidentId} (status Resolved", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Why you are paged", summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("critical", "high")]
    [InlineData("high", "high")]
    [InlineData("medium", "normal")]
    [InlineData("low", "normal")]
    public void Resolution_priority_follows_the_severity(string severity, string priority)
    {
        var snapshot = FullSnapshot() with { Triage = Samples.Triage(severity: severity) };

        Assert.Equal(priority, _writer.Write(Notify(NotificationKinds.Resolution, snapshot)).Result!.Priority);
    }

    [Fact]
    public void Low_priority_notification_is_low_and_skips_the_missing_hypothesis_and_remediation()
    {
        var snapshot = new IncidentSnapshot
        {
            IncidentId = Samples.IncidentId,
            Status = IncidentStatuses.Closed,
            AlertCount = 1,
            Alert = Samples.Alert(severity: "info", summary: "Disk usage at 71% on search-api-3"),
            Triage = Samples.Triage(errorType: "saturation", severity: "low"),
        };

        var record = _writer.Write(Notify(NotificationKinds.LowPriority, snapshot)).Result!;

        Assert.Equal("low", record.Priority);
        Assert.Equal(["log", "local-sink"], record.Channels);
        Assert.StartsWith("Low priority: [low] auth-service", record.Title, StringComparison.Ordinal);
        Assert.Contains("For information only", record.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Hypothesis", record.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Remediation", record.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Alerts:", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Escalation_pages_and_says_why()
    {
        var snapshot = FullSnapshot() with { Remediation = null, Status = IncidentStatuses.Escalated, EscalationReason = "hypothesis confidence 0.2 is below 0.5" };

        var record = _writer.Write(Notify(NotificationKinds.Escalation, snapshot, reason: "hypothesis confidence 0.2 is below 0.5")).Result!;

        Assert.Equal("page", record.Priority);
        Assert.Equal(["log", "local-sink", "pager"], record.Channels);
        Assert.StartsWith("ESCALATED: [critical] auth-service", record.Title, StringComparison.Ordinal);
        Assert.Contains("Why you are paged: hypothesis confidence 0.2 is below 0.5", record.Summary, StringComparison.Ordinal);
        Assert.Contains("Remediation: none was performed", record.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Escalation reason:", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Escalation_reason_from_the_snapshot_is_shown_when_the_command_gives_another()
    {
        var snapshot = FullSnapshot() with { EscalationReason = "remediation refused" };

        var record = _writer.Write(Notify(NotificationKinds.Escalation, snapshot, reason: "step remediation failed")).Result!;

        Assert.Contains("Why you are paged: step remediation failed", record.Summary, StringComparison.Ordinal);
        Assert.Contains("Escalation reason: remediation refused", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Emergency_from_an_almost_empty_snapshot_still_pages_with_what_is_known()
    {
        var snapshot = new IncidentSnapshot { IncidentId = Samples.IncidentId, Status = "Faulted" };

        var outcome = _writer.Write(Notify(NotificationKinds.Emergency, snapshot, reason: "saga fault: NullReferenceException"));

        var record = Assert.IsType<NotificationRecord>(outcome.Result);
        Assert.Equal("page", record.Priority);
        Assert.Contains("pager", record.Channels);
        Assert.Equal($"EMERGENCY: unknown service — incident {Samples.IncidentId}", record.Title);
        Assert.Contains("Why you are paged: saga fault: NullReferenceException", record.Summary, StringComparison.Ordinal);
        Assert.Contains("What fired: unknown (no alert details were available)", record.Summary, StringComparison.Ordinal);
        Assert.Contains("Severity: unknown", record.Summary, StringComparison.Ordinal);
        Assert.Contains("Hypothesis: none was reached", record.Summary, StringComparison.Ordinal);
        Assert.Contains($"Incident: {Samples.IncidentId} (status Faulted)", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Emergency_with_only_the_alert_uses_its_service_and_raw_severity()
    {
        var snapshot = new IncidentSnapshot { IncidentId = Samples.IncidentId, Status = "Triaging", Alert = Samples.Alert(severity: "P1") };

        var record = _writer.Write(Notify(NotificationKinds.Emergency, snapshot)).Result!;

        Assert.StartsWith("EMERGENCY: auth-service — auth-service 5xx error rate", record.Title, StringComparison.Ordinal);
        Assert.Contains("Severity: not classified (the alert says \"P1\")", record.Summary, StringComparison.Ordinal);
        Assert.Contains("Why you are paged: no reason was given", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Title_stays_on_one_short_line_whatever_the_alert_says()
    {
        var snapshot = FullSnapshot() with { Alert = Samples.Alert(summary: "first line\nsecond line " + new string('x', 400)) };

        var title = _writer.Write(Notify(NotificationKinds.Resolution, snapshot)).Result!.Title;

        Assert.DoesNotContain('\n', title);
        Assert.True(title.Length <= NotificationWriter.MaxTitleLength, $"title has {title.Length} characters");
        Assert.Contains("first line second line", title, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_kind_is_a_failure()
    {
        var outcome = _writer.Write(Notify("carrier-pigeon", FullSnapshot()));

        Assert.False(outcome.Succeeded);
        Assert.Contains("unknown notification kind 'carrier-pigeon'", outcome.FailureReason, StringComparison.Ordinal);
    }

    private static NotifyIncident Notify(string kind, IncidentSnapshot snapshot, string? reason = null) =>
        new() { IncidentId = snapshot.IncidentId, Attempt = 1, Kind = kind, Incident = snapshot, Reason = reason };

    private static IncidentSnapshot FullSnapshot() => new()
    {
        IncidentId = Samples.IncidentId,
        Status = IncidentStatuses.Resolved,
        Fingerprint = "a3f1c2d4e5b60718",
        AlertCount = 3,
        Alert = Samples.Alert(),
        Triage = Samples.Triage(),
        Context = Samples.Context([Samples.Deploy("v7.4.2", 10, previous: "v7.4.1")]),
        Hypothesis = Samples.Regression() with
        {
            Evidence = [new() { Kind = "deploy", Description = "Deploy of auth-service v7.4.2 (from v7.4.1)", ObservedAt = Samples.AlertTime.AddMinutes(-10) }],
        },
        Remediation = new RemediationResult
        {
            ActionId = "rollback",
            Description = "Roll the service back to the last version known to be good",
            Parameters = new Dictionary<string, string> { ["service"] = Samples.Service, ["to_version"] = "v7.4.1" },
            DryRun = true,
            Steps = ["would: roll back auth-service to v7.4.1", "would: invalidate caches of auth-service", "would: restart pods of auth-service"],
            Outcome = "dry-run: 3 steps recorded, nothing executed",
            Rationale = "rollback",
        },
        CreatedAt = Samples.AlertTime,
    };
}

using Agents.Contracts.Remediation;
using System.Globalization;
using System.Text;
using Agents.Contracts;
using Agents.Contracts.Notification;
using Agents.Hosting.Agents;

namespace Agents.Notification.Brain;

/// <summary>
/// Writes the notification an on-call human reads: a one-line title and a plain-text summary of what fired, how
/// severe, which service, the hypothesis with its confidence and evidence, the remediation (and whether it was
/// only a dry run), why a human is paged, how many alerts fired and the incident id. Any segment of the snapshot
/// may be missing (an emergency page is sent from a fault with little data): what is unknown is said so.
/// <para>Priority: escalation and emergency page; a resolution is <c>high</c> for critical and high severities,
/// else <c>normal</c>; low-priority is <c>low</c>. Channels: <c>log</c> and <c>local-sink</c>, plus <c>pager</c>
/// when paging.</para>
/// </summary>
public sealed class NotificationWriter(TimeProvider timeProvider) : INotificationWriter
{
    public const int MaxTitleLength = 160;

    public string Kind => "rules";

    public Task<AgentOutcome<NotificationRecord>> DecideAsync(NotifyIncident command, CancellationToken cancellationToken) =>
        Task.FromResult(Write(command));

    public AgentOutcome<NotificationRecord> Write(NotifyIncident command)
    {
        if (!NotificationKinds.All.Contains(command.Kind))
        {
            return AgentOutcome<NotificationRecord>.Failure(
                $"unknown notification kind '{command.Kind}' (expected one of {string.Join(", ", NotificationKinds.All)})");
        }

        var priority = Priority(command);
        return AgentOutcome<NotificationRecord>.Success(new NotificationRecord
        {
            Kind = command.Kind,
            Priority = priority,
            Channels = priority == "page" ? ["log", "local-sink", "pager"] : ["log", "local-sink"],
            Title = Title(command),
            Summary = Summary(command),
            SentAt = timeProvider.GetUtcNow(),
        });
    }

    private static string Priority(NotifyIncident command) => command.Kind switch
    {
        NotificationKinds.Escalation or NotificationKinds.Emergency or NotificationKinds.ApprovalRequest => "page",
        NotificationKinds.LowPriority => "low",
        _ => command.Incident.Triage?.Severity is Severities.Critical or Severities.High ? "high" : "normal",
    };

    private static string Title(NotifyIncident command)
    {
        var incident = command.Incident;
        var prefix = command.Kind switch
        {
            NotificationKinds.Resolution => "Resolved",
            NotificationKinds.LowPriority => "Low priority",
            NotificationKinds.Escalation when IsActionRequired(command) => "ACTION REQUIRED",
            NotificationKinds.Escalation => "ESCALATED",
            NotificationKinds.ApprovalRequest => "APPROVAL NEEDED",
            _ => "EMERGENCY",
        };
        var severity = incident.Triage?.Severity is { } s ? $"[{s}] " : "";
        var what = OneLine(incident.Alert?.Summary ?? incident.Hypothesis?.Summary ?? $"incident {incident.IncidentId}");
        var title = $"{prefix}: {severity}{Service(command)} — {what}";
        return title.Length <= MaxTitleLength ? title : string.Concat(title.AsSpan(0, MaxTitleLength - 1), "…");
    }

    /// <summary>An escalation that only says nothing was executed: a dry run or a blocked action a human must carry out.</summary>
    private static bool IsActionRequired(NotifyIncident command) =>
        (command.Reason ?? command.Incident.EscalationReason)?.StartsWith(RemediationEscalations.HumanActionRequired, StringComparison.Ordinal) == true;

    private static string Summary(NotifyIncident command)
    {
        var incident = command.Incident;
        var text = new StringBuilder();
        text.AppendLine(command.Kind switch
        {
            NotificationKinds.Resolution when incident.Remediation?.DryRun == true =>
                "The incident workflow completed. The remediation was a DRY RUN: nothing was executed, carry it out by hand if it is right.",
            NotificationKinds.Resolution when incident.Verification?.Detail is { } verified =>
                $"RESOLVED: the remediation was carried out and verified: {OneLine(verified)}",
            NotificationKinds.Resolution => "The incident workflow completed and the remediation was carried out.",
            NotificationKinds.Escalation when IsActionRequired(command) =>
                "ACTION REQUIRED: nothing was fixed automatically (a dry run, or a control stopped the action). A human must carry out the remediation below, or decide another.",
            NotificationKinds.LowPriority => "A low-severity alert, closed without running the full workflow. For information only.",
            NotificationKinds.Escalation => "ESCALATED: the automated workflow gave up on this incident. A human needs to take over.",
            NotificationKinds.ApprovalRequest =>
                $"APPROVAL NEEDED: a remediation waits for a human's decision. Approve or deny it (POST /incidents/{incident.IncidentId}/approval); without a decision in time the incident escalates.",
            _ => "EMERGENCY: the incident orchestrator itself failed on this incident. A human needs to take over now.",
        });

        var reason = command.Reason ?? incident.EscalationReason;
        if (NotificationKinds.PagesHuman(command.Kind))
        {
            text.AppendLine($"Why you are paged: {reason ?? "no reason was given"}");
        }
        else if (reason is not null)
        {
            text.AppendLine($"Note: {reason}");
        }

        text.AppendLine();
        var alert = incident.Alert;
        text.AppendLine(alert is null
            ? "What fired: unknown (no alert details were available)"
            : $"What fired: {OneLine(alert.Summary)} ({alert.Format} alert from {alert.Source}, at {Time(alert.OccurredAt)})");
        text.AppendLine($"Severity: {incident.Triage?.Severity ?? (alert?.Severity is { } raw ? $"not classified (the alert says \"{raw}\")" : "unknown")}");
        text.AppendLine($"Service: {Service(command)}");
        if (incident.Triage is { } triage)
        {
            text.AppendLine($"Error type: {triage.ErrorType}");
        }

        if (incident.Context is { } context)
        {
            var deploys = context.RecentDeploys.Count == 0
                ? "no recent deploys"
                : $"{context.RecentDeploys.Count} recent deploy(s), newest {context.RecentDeploys[0].Version} at {Time(context.RecentDeploys[0].DeployedAt)}";
            var sources = context.Sources.Count == 0 ? "none" : string.Join(", ", context.Sources);
            text.AppendLine($"Context: {deploys}; sources: {sources}");
        }

        if (incident.Hypothesis is { } hypothesis)
        {
            text.AppendLine($"Hypothesis: {hypothesis.Category}, confidence {hypothesis.Confidence.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal)}: {OneLine(hypothesis.Summary)}");
            if (hypothesis.SuspectVersion is not null || hypothesis.LastGoodVersion is not null)
            {
                text.AppendLine($"  Suspect version: {hypothesis.SuspectVersion ?? "none"}; last good version: {hypothesis.LastGoodVersion ?? "unknown"}");
            }

            foreach (var evidence in hypothesis.Evidence)
            {
                var at = evidence.ObservedAt is { } observed ? $" ({Time(observed)})" : "";
                text.AppendLine($"  - [{evidence.Kind}] {OneLine(evidence.Description)}{at}");
            }
        }
        else if (command.Kind != NotificationKinds.LowPriority)
        {
            text.AppendLine("Hypothesis: none was reached");
        }

        if (incident.Remediation is { } remediation)
        {
            var mode = remediation.Execution switch
            {
                RemediationExecutions.Blocked => "BLOCKED, nothing was executed",
                RemediationExecutions.Executed => "executed",
                _ when !remediation.DryRun => "executed",
                _ => "DRY RUN, nothing was executed",
            };
            text.AppendLine($"Remediation: {remediation.ActionId} ({mode}): {remediation.Description}");
            foreach (var step in remediation.Steps)
            {
                text.AppendLine($"  - {step}");
            }

            text.AppendLine($"  Outcome: {remediation.Outcome}");
            if (incident.Verification is { } verification)
            {
                text.AppendLine($"  Verification: {verification.Status}{(verification.Detail is { } detail ? $": {OneLine(detail)}" : "")}");
            }
        }
        else if (command.Kind != NotificationKinds.LowPriority)
        {
            text.AppendLine("Remediation: none was performed");
        }

        if (incident.EscalationReason is { } escalation && escalation != reason)
        {
            text.AppendLine($"Escalation reason: {escalation}");
        }

        if (incident.AlertCount > 1)
        {
            text.AppendLine($"Alerts: this alert fired {incident.AlertCount} times");
        }

        if (alert?.Url is { } url)
        {
            text.AppendLine($"Link: {url}");
        }

        var opened = incident.CreatedAt is { } created ? $", opened {Time(created)}" : "";
        var fingerprint = incident.Fingerprint is { } fp ? $", fingerprint {fp}" : "";
        text.Append($"Incident: {incident.IncidentId} (status {incident.Status}{fingerprint}{opened})");
        return text.ToString();
    }

    private static string Service(NotifyIncident command) =>
        command.Incident.Triage?.Service ?? command.Incident.Alert?.Service ?? command.Incident.Context?.Service ?? "unknown service";

    private static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

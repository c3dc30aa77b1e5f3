using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;

namespace Agents.Contracts.Incidents;

public sealed record IncidentDetails
{
    public required IncidentSummary Summary { get; init; }

    public string? TraceId { get; init; }

    public string? EscalationReason { get; init; }

    public string? FailureReason { get; init; }

    public required AlertPayload Alert { get; init; }

    public TriageResult? Triage { get; init; }

    public IncidentContext? Context { get; init; }

    public Hypothesis? Hypothesis { get; init; }

    public RemediationResult? Remediation { get; init; }

    public IReadOnlyList<NotificationRecord> Notifications { get; init; } = [];

    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
}

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

    /// <summary>The incident's trace (W3C trace id): every step of the incident is a span in it.</summary>
    public string? TraceId { get; init; }

    /// <summary>The trace in Jaeger, filled in by the API from its configured Jaeger address.</summary>
    public string? TraceUrl { get; init; }

    /// <summary>The model tokens the incident cost, per agent and the part orchestration caused.</summary>
    public IncidentTokenUsage Tokens { get; init; } = IncidentTokenUsage.None;

    public string? EscalationReason { get; init; }

    public string? FailureReason { get; init; }

    public required AlertPayload Alert { get; init; }

    public TriageResult? Triage { get; init; }

    public IncidentContext? Context { get; init; }

    public Hypothesis? Hypothesis { get; init; }

    /// <summary>The latest approval deliberation before remediation (when the workflow has the approval gate), or null.</summary>
    public RemediationApprovalRecord? Approval { get; init; }

    public RemediationResult? Remediation { get; init; }

    public IReadOnlyList<NotificationRecord> Notifications { get; init; } = [];

    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
}

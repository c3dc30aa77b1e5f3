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

    /// <summary>The workflow the incident runs (chosen by the workflow file's routing rules when it opened).</summary>
    public string? Workflow { get; init; }

    /// <summary>The routing rule that chose <see cref="Workflow"/> (<c>default</c> when none matched).</summary>
    public string? WorkflowRule { get; init; }

    /// <summary>The version of the workflow file the incident started with (the first 12 hex digits of its SHA-256).</summary>
    public string? WorkflowVersion { get; init; }

    public string? EscalationReason { get; init; }

    public string? FailureReason { get; init; }

    public required AlertPayload Alert { get; init; }

    public TriageResult? Triage { get; init; }

    public IncidentContext? Context { get; init; }

    public Hypothesis? Hypothesis { get; init; }

    /// <summary>The latest approval deliberation before remediation (when the workflow has the approval gate), or null.</summary>
    public RemediationApprovalRecord? Approval { get; init; }

    /// <summary>The verification of the executed remediation: what is awaited, the checks so far, and how it ended.</summary>
    public RemediationVerificationRecord? Verification { get; init; }

    public RemediationResult? Remediation { get; init; }

    /// <summary>The results of the workflow's plug-in steps, by step name (each one that step's segment).</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement> Steps { get; init; } = new Dictionary<string, System.Text.Json.JsonElement>();

    public IReadOnlyList<NotificationRecord> Notifications { get; init; } = [];

    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
}

using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;

namespace Agents.Contracts.Notification;

/// <summary>The whole incident state as the notification agent needs it to write a summary.</summary>
public sealed record IncidentSnapshot
{
    public required Guid IncidentId { get; init; }

    public required string Status { get; init; }

    public string? Fingerprint { get; init; }

    public int AlertCount { get; init; }

    public AlertPayload? Alert { get; init; }

    public TriageResult? Triage { get; init; }

    public IncidentContext? Context { get; init; }

    public Hypothesis? Hypothesis { get; init; }

    public RemediationResult? Remediation { get; init; }

    /// <summary>The verification of an executed remediation (what proved it worked, or what was measured when it did not).</summary>
    public Incidents.RemediationVerificationRecord? Verification { get; init; }

    /// <summary>The approval request of the incident, when a human was (or is) asked to approve a plan.</summary>
    public Incidents.RemediationApprovalRecord? Approval { get; init; }

    public string? EscalationReason { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Who acknowledged the incident (someone is on it: a channel need not page again), or null.</summary>
    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }
}

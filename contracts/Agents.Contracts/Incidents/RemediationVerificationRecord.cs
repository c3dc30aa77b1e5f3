using Agents.Contracts.Remediation;

namespace Agents.Contracts.Incidents;

/// <summary>Where the verification of an executed remediation stands (<see cref="RemediationVerificationRecord.Status"/>).</summary>
public static class VerificationStatuses
{
    /// <summary>Waiting for evidence.</summary>
    public const string Pending = "Pending";

    /// <summary>The evidence says the action worked: the incident is resolved.</summary>
    public const string Verified = "Verified";

    /// <summary>No evidence before the deadline: the incident escalated as "remediation ineffective".</summary>
    public const string Ineffective = "Ineffective";
}

/// <summary>The verification of an incident's executed remediation (shown by <c>GET /incidents/{id}</c>).</summary>
public sealed record RemediationVerificationRecord
{
    public required RemediationVerification Spec { get; init; }

    /// <summary>When the action finished executing: only evidence after it counts.</summary>
    public required DateTimeOffset ExecutedAt { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Without evidence by then the incident escalates.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>One of <see cref="VerificationStatuses"/>.</summary>
    public required string Status { get; init; }

    /// <summary>How many times the verification query was evaluated.</summary>
    public int Checks { get; init; }

    /// <summary>The latest measurement, one line.</summary>
    public string? Detail { get; init; }

    /// <summary>The worst value measured since the action, from the latest check.</summary>
    public double? Value { get; init; }

    public DateTimeOffset? ConcludedAt { get; init; }
}

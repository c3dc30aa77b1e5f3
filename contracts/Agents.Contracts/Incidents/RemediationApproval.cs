using Agents.Contracts.Deliberation;
using Agents.Contracts.Investigation;

namespace Agents.Contracts.Incidents;

/// <summary>
/// The optional approval gate of the incident workflow: before remediation, the reviewers (safety, change policy,
/// blast radius) deliberate on whether the system may act on the incident's hypothesis unattended.
/// </summary>
public static class RemediationApproval
{
    /// <summary>The deliberation kind (the <c>deliberations:</c> section of the workflow file).</summary>
    public const string Kind = "incident-approval";

    public const string Approve = "approve";

    public const string Deny = "deny";

    /// <summary>
    /// The deliberation id of the <paramref name="request"/>-th approval request of an incident (1 for the first, one more
    /// after each re-run that reaches the gate again): a name-based UUID (version 5 layout, SHA-1), so that a request sent
    /// again (after a restart) attaches to the same deliberation, and a re-run gets a fresh one.
    /// </summary>
    public static Guid DeliberationId(Guid incidentId, int request) =>
        DeliberationIds.FromName($"agents/incident-approval/{incidentId:D}/{request}");
}

/// <summary>What the reviewers judge (the deliberation's subject, JSON camelCase): the incident and the hypothesis remediation would act on.</summary>
public sealed record RemediationApprovalSubject
{
    public required Guid IncidentId { get; init; }

    public required string Service { get; init; }

    /// <summary>One of <see cref="Severities"/>.</summary>
    public required string Severity { get; init; }

    public required string ErrorType { get; init; }

    /// <summary>Triage's one-line summary of the alert.</summary>
    public required string AlertSummary { get; init; }

    public required Hypothesis Hypothesis { get; init; }
}

/// <summary>Where an incident's approval deliberation stands (<see cref="RemediationApprovalRecord.Status"/>).</summary>
public static class RemediationApprovalStatuses
{
    /// <summary>Requested; remediation waits for the decision.</summary>
    public const string Pending = "Pending";

    /// <summary>Decided <see cref="RemediationApproval.Approve"/>: remediation was dispatched.</summary>
    public const string Approved = "Approved";

    /// <summary>Decided anything but approve (e.g. deny): the incident escalated.</summary>
    public const string Denied = "Denied";

    /// <summary>The reviewers did not agree within the rounds of the policy: the incident escalated.</summary>
    public const string NoConsensus = "NoConsensus";

    /// <summary>The deliberation was refused (its kind is not in the workflow file): the incident escalated.</summary>
    public const string Refused = "Refused";

    /// <summary>The deliberation did not conclude within the approval step's timeout: the incident escalated.</summary>
    public const string TimedOut = "TimedOut";
}

/// <summary>An incident's approval request and, once it concluded, its outcome (shown by <c>GET /incidents/{id}</c>).</summary>
public sealed record RemediationApprovalRecord
{
    /// <summary>The deliberation (<c>GET /deliberations/{id}</c> shows its rounds).</summary>
    public required Guid DeliberationId { get; init; }

    /// <summary>The deliberation kind the workflow's <c>approval:</c> names.</summary>
    public required string Kind { get; init; }

    /// <summary>1 for the incident's first approval request, one more for each request after a re-run.</summary>
    public required int Request { get; init; }

    /// <summary>One of <see cref="RemediationApprovalStatuses"/>.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>How long the incident waits for the decision before it escalates (the approval step's timeout).</summary>
    public required TimeSpan Timeout { get; init; }

    public DateTimeOffset? ConcludedAt { get; init; }

    /// <summary>The winning decision when the reviewers agreed (e.g. approve, deny).</summary>
    public string? Decision { get; init; }

    /// <summary>The mean confidence of the agreeing stances.</summary>
    public double? Confidence { get; init; }

    /// <summary>The round the deliberation ended in.</summary>
    public int? Round { get; init; }

    /// <summary>One line: who decided what and why (for a denial, the reasons of those who denied).</summary>
    public string? Detail { get; init; }

    /// <summary>The stances of the last round, silent ones included.</summary>
    public IReadOnlyList<Stance> Stances { get; init; } = [];
}

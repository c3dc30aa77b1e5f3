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

    /// <summary>Nobody approved or denied a human approval request before its deadline: the system decided, the incident escalated.</summary>
    public const string Expired = "Expired";
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

    /// <summary>A human's approval of a concrete plan (the service's mode is approve): what exactly would be done. Never changed once requested.</summary>
    public RemediationApprovalPlan? Plan { get; init; }

    /// <summary>The parameters the approver approved (the plan's, with their changes), once approved.</summary>
    public IReadOnlyDictionary<string, string>? ApprovedParameters { get; init; }

    /// <summary>Each parameter the approver changed: <c>to_version: v5.1.9 → v5.1.8</c>.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>Who approved or denied.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>The remediation attempt dispatched on the approval: it carries the approved plan.</summary>
    public int? ExecutionAttempt { get; init; }
}

/// <summary>
/// The immutable request a human approves or denies: the action, its parameters and target, the hypothesis with its
/// evidence, the deadline, and the hash of all of them (what the approver saw is what runs).
/// </summary>
public sealed record RemediationApprovalPlan
{
    public required string ActionId { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>What the action acts on (<c>kubernetes prod/orders deployment/orders</c>).</summary>
    public string? Target { get; init; }

    /// <summary>What would be done, one line per step.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];

    /// <summary>Why the planner chose the action.</summary>
    public required string Rationale { get; init; }

    /// <summary><c>regression (0.90): …</c>: the hypothesis the action acts on.</summary>
    public required string Hypothesis { get; init; }

    /// <summary>The hypothesis's evidence, one line each.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>What the approver may change each parameter to.</summary>
    public IReadOnlyList<Remediation.ParameterChoice> Choices { get; init; } = [];

    public required DateTimeOffset Deadline { get; init; }

    /// <summary>SHA-256 (hex) of the fields above: an approval may name it to be sure it approves what it saw.</summary>
    public required string Hash { get; init; }
}

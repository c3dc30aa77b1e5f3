namespace Agents.Contracts.Incidents;

/// <summary>
/// Operator -> orchestrator (through the API): restore the previous version of one segment, leaving the others
/// untouched. Answered by <see cref="OperatorCommandAccepted"/>, <see cref="OperatorCommandRefused"/> or
/// <see cref="IncidentNotFound"/>.
/// </summary>
public sealed record RollbackSegment
{
    public required Guid IncidentId { get; init; }

    /// <summary>One of <see cref="IncidentSegments.All"/>.</summary>
    public required string Segment { get; init; }

    /// <summary>Who asked (the API's authenticated identity, e.g. <c>apikey:deploy-bot</c> or <c>oidc:alice@example.com</c>); written into the timeline.</summary>
    public string? Actor { get; init; }
}

/// <summary>
/// Operator -> orchestrator (through the API): clear the segments from <see cref="FromStep"/> on (their history
/// stays) and run the workflow again from that step. Answered like <see cref="RollbackSegment"/>.
/// </summary>
public sealed record RerunIncident
{
    public required Guid IncidentId { get; init; }

    /// <summary>One of <see cref="IncidentSteps.Agents"/>.</summary>
    public required string FromStep { get; init; }

    /// <summary>Who asked; written into the timeline.</summary>
    public string? Actor { get; init; }
}

/// <summary>
/// Operator -> orchestrator (through the API): someone is working on the incident. Recorded on the incident
/// (<see cref="IncidentSummary.AcknowledgedBy"/>) and in its timeline, and published as <see cref="IncidentAcknowledged"/>
/// so that the notification side stops re-paging. Refused when the incident already is acknowledged or has ended
/// without needing a human (Resolved, Closed). Answered like <see cref="RollbackSegment"/>.
/// </summary>
public sealed record AcknowledgeIncident
{
    public required Guid IncidentId { get; init; }

    public required string Actor { get; init; }

    /// <summary>Optional words for the timeline ("looking at the DB failover").</summary>
    public string? Note { get; init; }
}

/// <summary>
/// Operator -> orchestrator (through the API): a human closes an incident that ended Escalated or Failed; it becomes
/// Resolved, stops absorbing repeats of its alert, and <see cref="IncidentResolvedByOperator"/> is published. Refused
/// while a step is in flight or once the incident is Resolved or Closed. Answered like <see cref="RollbackSegment"/>.
/// </summary>
public sealed record ResolveIncident
{
    public required Guid IncidentId { get; init; }

    public required string Actor { get; init; }

    /// <summary>What was done; required, recorded in the timeline.</summary>
    public required string Note { get; init; }
}

/// <summary>Published when a human acknowledged an incident.</summary>
public sealed record IncidentAcknowledged
{
    public required Guid IncidentId { get; init; }

    public required string Actor { get; init; }

    public string? Note { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>Published when a human resolved an incident, or the orchestrator closed an escalated one past its maximum open age.</summary>
public sealed record IncidentResolvedByOperator
{
    public required Guid IncidentId { get; init; }

    /// <summary>The human, or <c>system:max-open-age</c> for an incident closed because it stayed open too long.</summary>
    public required string Actor { get; init; }

    public required string Note { get; init; }

    /// <summary>The status the incident ended in: Resolved (a human) or Closed (past its maximum open age).</summary>
    public required string Status { get; init; }

    public required DateTimeOffset At { get; init; }
}

public sealed record OperatorCommandAccepted
{
    public required Guid IncidentId { get; init; }

    /// <summary>What the orchestrator did, in words.</summary>
    public required string Detail { get; init; }
}

public sealed record OperatorCommandRefused
{
    public required Guid IncidentId { get; init; }

    /// <summary>Why not, in words an operator can act on.</summary>
    public required string Reason { get; init; }
}

/// <summary>
/// Operator -> orchestrator (through the API): a human's decision at a workflow's human approval gate
/// (<c>approval: human</c>): <see cref="RemediationApproval.Approve"/> runs the proposed remediation, anything else
/// (<c>deny</c>) escalates the incident with the note. Refused unless the incident is waiting for a human's approval.
/// Answered like <see cref="RollbackSegment"/>.
/// </summary>
public sealed record DecideApproval
{
    public required Guid IncidentId { get; init; }

    /// <summary><c>approve</c> or <c>deny</c>.</summary>
    public required string Decision { get; init; }

    public required string Actor { get; init; }

    /// <summary>Why; required for a denial, recorded in the timeline.</summary>
    public string? Note { get; init; }

    /// <summary>An approval's changes to the plan's parameters, each within the values the request allows (recorded).</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    /// <summary>The hash of the approval request the approver saw; when given, a request that differs is refused.</summary>
    public string? RequestHash { get; init; }
}

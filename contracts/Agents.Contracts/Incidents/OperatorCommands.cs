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

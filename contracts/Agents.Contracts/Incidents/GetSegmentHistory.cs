namespace Agents.Contracts.Incidents;

/// <summary>API -> orchestrator: every version of one segment of an incident. Answered by <see cref="SegmentHistory"/> or <see cref="IncidentNotFound"/>.</summary>
public sealed record GetSegmentHistory
{
    public required Guid IncidentId { get; init; }

    /// <summary>One of <see cref="IncidentSegments.All"/>.</summary>
    public required string Segment { get; init; }
}

public sealed record SegmentHistory
{
    public required Guid IncidentId { get; init; }

    public required string Segment { get; init; }

    /// <summary>Oldest first; the last one is the current value.</summary>
    public IReadOnlyList<SegmentRevision> Revisions { get; init; } = [];
}

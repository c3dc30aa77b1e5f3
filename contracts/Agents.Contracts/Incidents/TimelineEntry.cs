namespace Agents.Contracts.Incidents;

public sealed record TimelineEntry
{
    public required DateTimeOffset At { get; init; }

    public required string Step { get; init; }

    public required int Attempt { get; init; }

    public required string Event { get; init; }

    public string? Detail { get; init; }

    /// <summary>The segment this event wrote (one of <see cref="IncidentSegments"/>), if any.</summary>
    public string? Segment { get; init; }

    /// <summary>The segment's version after this event.</summary>
    public int? SegmentVersion { get; init; }

    /// <summary>The human (or automation) behind an operator event: re-run, rollback, acknowledgement, resolution.</summary>
    public string? Actor { get; init; }
}

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

    /// <summary>
    /// How many events in a row this entry stands for, when more than one: repeats of the alert are counted in one entry,
    /// not appended one by one (an alert that fires every 30 s for a day stays one entry).
    /// </summary>
    public int? Count { get; init; }

    /// <summary>When the last of the <see cref="Count"/> events happened (the entry's <see cref="At"/> is the first's).</summary>
    public DateTimeOffset? LastAt { get; init; }
}

using System.Text.Json;

namespace Agents.Contracts.Incidents;

/// <summary>One version of one segment: what it was set to, when, by which step and attempt.</summary>
public sealed record SegmentRevision
{
    public required string Segment { get; init; }

    /// <summary>1 for the first value; every change (write, rollback, clear) makes the next version.</summary>
    public required int Version { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string Step { get; init; }

    public required int Attempt { get; init; }

    /// <summary><c>written</c> by the owning agent's reply.</summary>
    public required string Change { get; init; }

    /// <summary>The segment's value at this version, as JSON (null when cleared).</summary>
    public JsonElement? Value { get; init; }
}

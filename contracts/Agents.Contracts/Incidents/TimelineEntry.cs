namespace Agents.Contracts.Incidents;

public sealed record TimelineEntry
{
    public required DateTimeOffset At { get; init; }

    public required string Step { get; init; }

    public required int Attempt { get; init; }

    public required string Event { get; init; }

    public string? Detail { get; init; }
}

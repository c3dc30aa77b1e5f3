namespace Agents.Contracts.Deliberation;

/// <summary>
/// A <see cref="StanceGiven"/> the deliberation did not count (another round, not a participant, a second answer,
/// after the end), kept with the reason it was ignored.
/// </summary>
public sealed record IgnoredStance
{
    public required DateTimeOffset At { get; init; }

    public required int Round { get; init; }

    public required string Participant { get; init; }

    public string? Decision { get; init; }

    public required string Why { get; init; }
}

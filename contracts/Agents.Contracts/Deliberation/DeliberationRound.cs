namespace Agents.Contracts.Deliberation;

/// <summary>One finished round: every participant's stance (silent ones included) and how the round ended.</summary>
public sealed record DeliberationRound
{
    public required int Round { get; init; }

    /// <summary>One per participant, in the policy's order of participants.</summary>
    public required IReadOnlyList<Stance> Stances { get; init; }

    /// <summary>Whether the round ended because its timeout fired (some participant was silent) rather than all having answered.</summary>
    public required bool TimedOut { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }
}

namespace Agents.Contracts.Deliberation;

/// <summary>A participant's answer to <see cref="StanceRequested"/>, published; correlated by deliberation id.</summary>
public sealed record StanceGiven
{
    public required Guid DeliberationId { get; init; }

    /// <summary>The round of the request this answers.</summary>
    public required int Round { get; init; }

    public required string Participant { get; init; }

    /// <summary>
    /// The participant's decision, e.g. <c>pay</c> or <c>deny</c> (compared without regard to case), or
    /// <see cref="Stance.Undecided"/>, which is recorded but never counts toward a consensus.
    /// </summary>
    public required string Decision { get; init; }

    public required string Reason { get; init; }

    /// <summary>Between 0 and 1.</summary>
    public required double Confidence { get; init; }

    /// <summary>The model tokens the participant used for this answer (zero for a rule-based brain).</summary>
    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

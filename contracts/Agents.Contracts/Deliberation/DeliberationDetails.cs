using System.Text.Json;

namespace Agents.Contracts.Deliberation;

public sealed record DeliberationDetails
{
    public required Guid DeliberationId { get; init; }

    public required string Kind { get; init; }

    /// <summary>Deliberating, Decided, Escalated or Refused.</summary>
    public required string Status { get; init; }

    public required string Summary { get; init; }

    public required JsonElement Subject { get; init; }

    public required IReadOnlyList<string> Participants { get; init; }

    public required int Threshold { get; init; }

    public required int MaxRounds { get; init; }

    /// <summary>The round in progress, or the last one once ended.</summary>
    public required int Round { get; init; }

    public string? Decision { get; init; }

    public double? Confidence { get; init; }

    public string? Reason { get; init; }

    /// <summary>The stances of the round in progress received so far.</summary>
    public IReadOnlyList<Stance> CurrentStances { get; init; } = [];

    /// <summary>Every finished round, oldest first.</summary>
    public IReadOnlyList<DeliberationRound> Rounds { get; init; } = [];

    public IReadOnlyList<IgnoredStance> Ignored { get; init; } = [];

    public TokenUsage Tokens { get; init; } = TokenUsage.None;

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

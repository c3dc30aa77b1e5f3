namespace Agents.Contracts.Deliberation;

/// <summary>Published (and sent to <see cref="StartDeliberation.RequestedBy"/>) once a deliberation has ended.</summary>
public sealed record DeliberationConcluded
{
    public required Guid DeliberationId { get; init; }

    public required string Kind { get; init; }

    /// <summary>One of <see cref="DeliberationOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>The winning decision when <see cref="DeliberationOutcomes.Decided"/>.</summary>
    public string? Decision { get; init; }

    /// <summary>The round the deliberation ended in (0 when refused).</summary>
    public required int Round { get; init; }

    /// <summary>The mean confidence of the agreeing stances when decided.</summary>
    public double? Confidence { get; init; }

    /// <summary>Why it ended without a decision (no consensus, refused), for the human who takes over.</summary>
    public string? Reason { get; init; }

    /// <summary>Every round, oldest first.</summary>
    public IReadOnlyList<DeliberationRound> Rounds { get; init; } = [];
}

namespace Agents.Contracts.Investigation;

/// <summary>The hypothesis segment: a root-cause hypothesis with its evidence.</summary>
public sealed record Hypothesis
{
    /// <summary>One of <see cref="HypothesisCategories.All"/>: <c>regression</c>, <c>capacity</c>, <c>dependency</c>, <c>known-issue</c>, <c>bad-config</c>, <c>certificate</c>, <c>disk</c> or <c>unknown</c>.</summary>
    public required string Category { get; init; }

    public required string Summary { get; init; }

    /// <summary>0 to 1.</summary>
    public required double Confidence { get; init; }

    public IReadOnlyList<Evidence> Evidence { get; init; } = [];

    /// <summary>For a regression: the version suspected of introducing the fault.</summary>
    public string? SuspectVersion { get; init; }

    /// <summary>For a regression: the last version believed good.</summary>
    public string? LastGoodVersion { get; init; }

    /// <summary>Whether the investigation found errors; checked against the context's error rate.</summary>
    public required bool ErrorsObserved { get; init; }

    /// <summary>For a dependency: the service this one depends on that degraded first.</summary>
    public string? Dependency { get; init; }

    /// <summary>For a known issue: the runbook action that resolved the similar past incident.</summary>
    public string? KnownAction { get; init; }
}

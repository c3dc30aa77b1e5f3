namespace Agents.Contracts.Investigation;

public sealed record Evidence
{
    public static IReadOnlyList<string> Kinds { get; } = ["deploy", "metric", "alert", "log", "workload", "history"];

    /// <summary>One of <see cref="Kinds"/>: <c>deploy</c>, <c>metric</c>, <c>alert</c>, <c>log</c>, <c>workload</c> or <c>history</c> (a past incident).</summary>
    public required string Kind { get; init; }

    public required string Description { get; init; }

    public DateTimeOffset? ObservedAt { get; init; }

    /// <summary>Where the fact came from (<c>prometheus</c>, <c>deploy-log</c>, <c>kubernetes</c>...), when it was measured or looked up.</summary>
    public string? Source { get; init; }

    /// <summary>The query behind a measured fact, as the source was asked.</summary>
    public string? Query { get; init; }
}

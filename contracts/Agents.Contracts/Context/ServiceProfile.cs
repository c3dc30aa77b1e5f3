namespace Agents.Contracts.Context;

/// <summary>What the service catalog says about the incident's service, as the context agent found it.</summary>
public sealed record ServiceProfile
{
    public required string Name { get; init; }

    /// <summary>True when the catalog does not list the service and its default entry was used: the evidence is thin.</summary>
    public required bool FromDefaultEntry { get; init; }

    /// <summary>How the alert was matched to the entry, e.g. <c>labels app=checkout, namespace=shop</c>; null when it was not.</summary>
    public string? MatchedBy { get; init; }

    public string? Team { get; init; }

    /// <summary><c>critical</c> or <c>standard</c>.</summary>
    public required string Tier { get; init; }

    public string? Environment { get; init; }

    public string? Cluster { get; init; }

    public string? Namespace { get; init; }

    /// <summary>e.g. <c>deployment/checkout</c>.</summary>
    public string? Workload { get; init; }

    public IReadOnlyList<string> DependsOn { get; init; } = [];
}

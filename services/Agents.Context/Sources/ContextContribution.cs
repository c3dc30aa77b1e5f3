using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>What one <see cref="IContextSource"/> found; any part may be empty.</summary>
public sealed record ContextContribution
{
    public static ContextContribution Empty { get; } = new();

    public IReadOnlyList<DeployRecord> Deploys { get; init; } = [];

    public IReadOnlyList<MetricObservation> Metrics { get; init; } = [];

    public IReadOnlyDictionary<string, string> AlertDetails { get; init; } = new Dictionary<string, string>();
}

using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>What one <see cref="IContextSource"/> found; any part may be empty.</summary>
public sealed record ContextContribution
{
    public static ContextContribution Empty { get; } = new();

    public IReadOnlyList<DeployRecord> Deploys { get; init; } = [];

    public IReadOnlyList<MetricObservation> Metrics { get; init; } = [];

    public IReadOnlyList<MetricSeries> Series { get; init; } = [];

    public IReadOnlyList<LogPattern> LogPatterns { get; init; } = [];

    public IReadOnlyList<PastIncident> PastIncidents { get; init; } = [];

    public IReadOnlyList<WorkloadEvent> WorkloadEvents { get; init; } = [];

    public IReadOnlyDictionary<string, string> AlertDetails { get; init; } = new Dictionary<string, string>();

    /// <summary>Parts of the source's own work that failed while the rest answered (e.g. one query of several), each with the reason.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

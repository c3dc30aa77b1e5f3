namespace Agents.Contracts.Context;

/// <summary>The context segment: everything known around the alert, gathered from several sources.</summary>
public sealed record IncidentContext
{
    public required string Service { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    public IReadOnlyList<DeployRecord> RecentDeploys { get; init; } = [];

    public IReadOnlyList<MetricObservation> Metrics { get; init; } = [];

    public IReadOnlyDictionary<string, string> AlertDetails { get; init; } = new Dictionary<string, string>();

    /// <summary>The sources that answered, e.g. <c>alert</c>, <c>deploy-log</c>.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];
}

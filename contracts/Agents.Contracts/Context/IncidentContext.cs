namespace Agents.Contracts.Context;

/// <summary>
/// The context segment: everything known around the alert, gathered from several sources in parallel. Every item
/// says which source it came from and (for measured items) the query and time range behind it; every list is
/// bounded so that the whole fits a model's window.
/// </summary>
public sealed record IncidentContext
{
    public required string Service { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    /// <summary>Where the baseline ends and the incident window begins (null in contexts recorded before it existed).</summary>
    public DateTimeOffset? IncidentWindowStart { get; init; }

    /// <summary>The service catalog's entry for the service (null in contexts recorded before the catalog existed).</summary>
    public ServiceProfile? Profile { get; init; }

    public IReadOnlyList<DeployRecord> RecentDeploys { get; init; } = [];

    /// <summary>Single readings: what the alert carried, and each measured series of the service summarised (peak and baseline).</summary>
    public IReadOnlyList<MetricObservation> Metrics { get; init; } = [];

    public IReadOnlyList<MetricSeries> Series { get; init; } = [];

    public IReadOnlyList<LogPattern> LogPatterns { get; init; } = [];

    public IReadOnlyList<PastIncident> PastIncidents { get; init; } = [];

    public IReadOnlyList<WorkloadEvent> WorkloadEvents { get; init; } = [];

    public IReadOnlyDictionary<string, string> AlertDetails { get; init; } = new Dictionary<string, string>();

    /// <summary>The sources that answered, e.g. <c>alert</c>, <c>deploy-log</c>, <c>prometheus</c>.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>The sources that were asked and failed or timed out, each with the reason.</summary>
    public IReadOnlyList<SourceFailure> SourceFailures { get; init; } = [];

    /// <summary>What was cut to keep the context within its size bound (empty when nothing was).</summary>
    public IReadOnlyList<string> Truncated { get; init; } = [];
}

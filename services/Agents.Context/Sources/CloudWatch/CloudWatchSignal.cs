namespace Agents.Context.Sources.CloudWatch;

/// <summary>One signal asked of CloudWatch for a service: the id of the query whose result is its series, its unit and how it was asked.</summary>
internal sealed record CloudWatchSignal
{
    /// <summary>A <see cref="Agents.Contracts.Context.MetricSignals"/> name.</summary>
    public required string Signal { get; init; }

    public required string ResultId { get; init; }

    public required string Unit { get; init; }

    /// <summary>The query as it was sent, readable (statistic, namespace, metric, dimensions, period, region).</summary>
    public required string Query { get; init; }

    public IReadOnlyDictionary<string, string> Dimensions { get; init; } = new Dictionary<string, string>();
}

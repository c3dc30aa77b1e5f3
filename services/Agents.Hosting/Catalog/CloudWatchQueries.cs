namespace Agents.Hosting.Catalog;

/// <summary>What CloudWatch <c>GetMetricData</c> is asked for the service: one namespace and its dimensions, and up to three metrics.</summary>
public sealed record CloudWatchQueries
{
    /// <summary>e.g. <c>eu-west-1</c>; null: the source's configured region.</summary>
    public string? Region { get; init; }

    /// <summary>e.g. <c>AWS/ApplicationELB</c>.</summary>
    public required string Namespace { get; init; }

    public IReadOnlyDictionary<string, string> Dimensions { get; init; } = new Dictionary<string, string>();

    /// <summary>Error ratio as the sum of <see cref="CloudWatchRatio.Errors"/> over the sum of <see cref="CloudWatchRatio.Requests"/>.</summary>
    public CloudWatchRatio? ErrorRatio { get; init; }

    /// <summary>Seconds (e.g. <c>TargetResponseTime</c> with statistic <c>p99</c>).</summary>
    public CloudWatchMetric? LatencyP99 { get; init; }

    /// <summary>Percent 0..100 (e.g. <c>CPUUtilization</c>, <c>Average</c>).</summary>
    public CloudWatchMetric? Saturation { get; init; }
}

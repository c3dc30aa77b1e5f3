namespace Agents.Hosting.Catalog;

/// <summary>One CloudWatch metric of the service and the statistic asked of it (e.g. <c>TargetResponseTime</c>, <c>p99</c>).</summary>
public sealed record CloudWatchMetric
{
    /// <summary>e.g. <c>CPUUtilization</c>.</summary>
    public required string MetricName { get; init; }

    /// <summary><c>Average</c>, <c>Sum</c>, <c>Maximum</c>, <c>p99</c>...</summary>
    public required string Stat { get; init; }

    /// <summary>Another namespace than the entry's, when this metric lives elsewhere.</summary>
    public string? Namespace { get; init; }

    /// <summary>Other dimensions than the entry's, when this metric needs them.</summary>
    public IReadOnlyDictionary<string, string>? Dimensions { get; init; }
}

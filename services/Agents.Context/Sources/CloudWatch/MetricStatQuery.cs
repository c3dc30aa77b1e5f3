using System.Globalization;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>The <c>MetricStat</c> of a <c>GetMetricData</c> query: one metric (namespace, name, dimensions), its statistic and period.</summary>
internal sealed record MetricStatQuery
{
    public required string Namespace { get; init; }

    public required string MetricName { get; init; }

    public IReadOnlyDictionary<string, string> Dimensions { get; init; } = new Dictionary<string, string>();

    /// <summary><c>Sum</c>, <c>Average</c>, <c>Maximum</c>, <c>p99</c>...</summary>
    public required string Stat { get; init; }

    /// <summary>Seconds, a multiple of 60.</summary>
    public required int Period { get; init; }

    /// <summary>e.g. <c>Sum(AWS/ApplicationELB RequestCount {LoadBalancer=app/shop/1}) 60s</c>.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Stat}({Namespace} {MetricName} {{{string.Join(", ", SortedDimensions().Select(d => $"{d.Key}={d.Value}"))}}}) {Period}s");

    public IEnumerable<KeyValuePair<string, string>> SortedDimensions() => Dimensions.OrderBy(d => d.Key, StringComparer.Ordinal);
}

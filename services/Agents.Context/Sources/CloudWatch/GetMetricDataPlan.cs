using Agents.Contracts.Context;
using Agents.Hosting.Catalog;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>
/// What one <c>GetMetricData</c> call asks for one service's catalog entry: the error ratio as the expression
/// <c>FILL(errors, 0)/requests</c> (a load balancer publishes no 5xx count while there are none) over two <c>Sum</c> queries that are not returned themselves, latency p99 (seconds) and saturation
/// (percent) as the statistics the catalog names; each in the entry's namespace and dimensions unless the metric names its own.
/// </summary>
internal sealed record GetMetricDataPlan
{
    public required IReadOnlyList<MetricDataQuery> Queries { get; init; }

    public required IReadOnlyList<CloudWatchSignal> Signals { get; init; }

    public static GetMetricDataPlan For(CloudWatchQueries entry, string region, int period)
    {
        var queries = new List<MetricDataQuery>();
        var signals = new List<CloudWatchSignal>();
        if (entry.ErrorRatio is { } ratio)
        {
            var errors = Stat(entry, ratio.Errors, "Sum", null, null, period);
            var requests = Stat(entry, ratio.Requests, "Sum", null, null, period);
            queries.Add(new MetricDataQuery { Id = "errors", MetricStat = errors, ReturnData = false });
            queries.Add(new MetricDataQuery { Id = "requests", MetricStat = requests, ReturnData = false });
            queries.Add(new MetricDataQuery { Id = "error_ratio", Expression = "FILL(errors, 0)/requests", Label = MetricSignals.ErrorRatio });
            signals.Add(new CloudWatchSignal
            {
                Signal = MetricSignals.ErrorRatio,
                ResultId = "error_ratio",
                Unit = "ratio",
                Query = $"FILL(errors, 0)/requests where errors = {errors.Describe()} and requests = {requests.Describe()} in {region}",
                Dimensions = entry.Dimensions,
            });
        }

        AddMetric(MetricSignals.LatencyP99, "seconds", entry.LatencyP99);
        AddMetric(MetricSignals.Saturation, "percent", entry.Saturation);
        return new GetMetricDataPlan { Queries = queries, Signals = signals };

        void AddMetric(string signal, string unit, CloudWatchMetric? metric)
        {
            if (metric is null)
            {
                return;
            }

            var stat = Stat(entry, metric.MetricName, metric.Stat, metric.Namespace, metric.Dimensions, period);
            queries.Add(new MetricDataQuery { Id = signal, MetricStat = stat, Label = signal });
            signals.Add(new CloudWatchSignal
            {
                Signal = signal,
                ResultId = signal,
                Unit = unit,
                Query = $"{stat.Describe()} in {region}",
                Dimensions = stat.Dimensions,
            });
        }
    }

    /// <summary>
    /// The period for a window: <paramref name="minimum"/>, or longer so that a series has at most <paramref name="maxPoints"/>
    /// points, rounded up to a whole minute as CloudWatch requires for regular-resolution metrics.
    /// </summary>
    public static int PeriodFor(ContextWindow window, TimeSpan minimum, int maxPoints = 1440)
    {
        var seconds = Math.Max(minimum.TotalSeconds, (window.End - window.Start).TotalSeconds / maxPoints);
        return (int)Math.Ceiling(seconds / 60) * 60;
    }

    private static MetricStatQuery Stat(
        CloudWatchQueries entry, string metricName, string stat, string? metricNamespace, IReadOnlyDictionary<string, string>? dimensions, int period) => new()
        {
            Namespace = metricNamespace ?? entry.Namespace,
            MetricName = metricName,
            Dimensions = dimensions ?? entry.Dimensions,
            Stat = stat,
            Period = period,
        };
}

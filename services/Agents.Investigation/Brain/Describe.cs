using System.Globalization;
using Agents.Contracts.Context;

namespace Agents.Investigation.Brain;

/// <summary>How figures read in hypotheses: <c>23%</c>, <c>1500 ms</c>, <c>12 minutes</c>.</summary>
internal static class Describe
{
    public static string Metric(MetricObservation metric) => $"{Label(metric.Name)} {Value(metric)}";

    public static string Value(MetricObservation metric) =>
        metric.Unit == "ratio" || metric.Name is "error_rate" or "cpu" or "memory"
            ? Percent(metric.Value)
            : string.Create(CultureInfo.InvariantCulture, $"{metric.Value:0.##} {metric.Unit}");

    public static string Percent(double fraction) =>
        string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:0.#}%");

    public static string Label(string metricName) => metricName switch
    {
        "error_rate" => "error rate",
        "cpu" => "CPU",
        "memory" => "memory",
        "latency_p99_ms" => "p99 latency",
        "latency_ms" => "latency",
        _ => metricName.Replace('_', ' '),
    };

    public static string Minutes(TimeSpan span)
    {
        var minutes = (int)Math.Round(span.TotalMinutes, MidpointRounding.AwayFromZero);
        return minutes switch
        {
            0 => "less than a minute",
            1 => "1 minute",
            < 120 => $"{minutes} minutes",
            _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} hours"),
        };
    }

    public static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}

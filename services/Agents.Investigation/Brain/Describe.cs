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

    /// <summary>e.g. <c>error ratio rose from 0.5% to 20.1% at 2026-11-24 02:03 UTC (effect size 25, prometheus)</c>.</summary>
    public static string Step(MetricSeries series)
    {
        var step = series.Step!;
        var verb = step.Direction == "up" ? "rose" : "fell";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Signal(series.Signal)} {verb} from {Measured(step.Before, series.Unit)} to {Measured(step.After, series.Unit)} starting {Time(step.Began)} (effect size {step.EffectSize:0.#}, {series.Source})");
    }

    /// <summary>e.g. <c>error ratio stayed near 0.4% (peak 0.6%, prometheus)</c>.</summary>
    public static string Level(MetricSeries series) =>
        $"{Signal(series.Signal)} stayed near {(series.Baseline is { } b ? Measured(b, series.Unit) : "no value")}"
        + $" (peak {(series.Peak is { } p ? Measured(p, series.Unit) : "none")}, {series.Source})";

    public static string Measured(double value, string unit) => unit switch
    {
        "ratio" => Percent(value),
        "percent" => string.Create(CultureInfo.InvariantCulture, $"{value:0.#}%"),
        "seconds" => string.Create(CultureInfo.InvariantCulture, $"{value * 1000:0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {unit}"),
    };

    public static string Signal(string signal) => signal switch
    {
        MetricSignals.ErrorRatio => "error ratio",
        MetricSignals.LatencyP99 => "p99 latency",
        _ => signal.Replace('_', ' '),
    };

    public static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}

using System.Globalization;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>
/// Reads metric values an alert carries in its labels or annotations (labels first; names matched ignoring
/// case). One reading per metric at most:
/// <list type="bullet">
/// <item><c>error_rate</c> from <c>error_rate</c> or <c>error_ratio</c>; <c>cpu</c> from <c>cpu</c> or <c>cpu_usage</c>;
/// <c>memory</c> from <c>memory</c> or <c>memory_usage</c>. These are fractions: <c>0.23</c>, <c>23%</c> and <c>23</c>
/// all read as 0.23 (a bare number above 1 is taken as a percentage; exactly <c>1</c> is 100%). A value that is
/// still above 1 after that (<c>150%</c>), negative or not a number is ignored.</item>
/// <item><c>latency_p99_ms</c> from <c>latency_p99_ms</c> or <c>p99_ms</c>, and <c>latency_ms</c> from <c>latency_ms</c>: milliseconds;
/// <c>1500</c>, <c>1500ms</c> and <c>1.5s</c> all read as 1500.</item>
/// <item>The annotation <c>value</c> (what Prometheus rules commonly fill with <c>{{ $value }}</c>) counts for the one
/// metric the <c>alertname</c> label hints at (<c>HighErrorRate</c>/<c>5xx</c> → error_rate, <c>cpu</c> → cpu,
/// <c>memory</c>/<c>oom</c> → memory, <c>latency</c>/<c>p99</c>/<c>slow</c> → latency_p99_ms, bare numbers in ms), unless
/// that metric was given by name. No hint, or hints at several metrics: the value is ignored.</item>
/// </list>
/// Anomalous at or above: error_rate 0.05, cpu 0.85, memory 0.90, latency 1000 ms.
/// </summary>
public static class AlertMetricExtractor
{
    public const string SourceName = "alert";

    private static readonly MetricKind ErrorRate = new("error_rate", ["error_rate", "error_ratio"], IsFraction: true, Threshold: 0.05, Hints: ["error", "5xx"]);
    private static readonly MetricKind Cpu = new("cpu", ["cpu", "cpu_usage"], IsFraction: true, Threshold: 0.85, Hints: ["cpu"]);
    private static readonly MetricKind Memory = new("memory", ["memory", "memory_usage"], IsFraction: true, Threshold: 0.90, Hints: ["memory", "oom"]);
    private static readonly MetricKind LatencyP99 = new("latency_p99_ms", ["latency_p99_ms", "p99_ms"], IsFraction: false, Threshold: 1000, Hints: ["latency", "p99", "slow"]);
    private static readonly MetricKind LatencyMs = new("latency_ms", ["latency_ms"], IsFraction: false, Threshold: 1000, Hints: []);

    private static readonly MetricKind[] Kinds = [ErrorRate, Cpu, Memory, LatencyP99, LatencyMs];

    public static IReadOnlyList<MetricObservation> Extract(AlertPayload alert, DateTimeOffset observedAt)
    {
        var found = new List<MetricObservation>();
        foreach (var kind in Kinds)
        {
            var value = kind.Keys
                .Select(key => Find(alert.Labels, key) ?? Find(alert.Annotations, key))
                .Select(kind.Read)
                .FirstOrDefault(v => v is not null);
            if (value is { } reading)
            {
                found.Add(kind.Observe(reading, observedAt));
            }
        }

        if (Find(alert.Annotations, "value") is { } raw
            && HintedKind(Find(alert.Labels, "alertname")) is { } hinted
            && found.All(m => m.Name != hinted.Name)
            && hinted.Read(raw) is { } hintedValue)
        {
            found.Add(hinted.Observe(hintedValue, observedAt));
        }

        return found;
    }

    /// <summary>A fraction from <c>0.23</c>, <c>23%</c> or <c>23</c>; null when not a fraction between 0 and 1.</summary>
    public static double? ReadFraction(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        var percent = text.EndsWith('%');
        if (!TryNumber(percent ? text[..^1] : text, out var value))
        {
            return null;
        }

        if (percent || value > 1)
        {
            value /= 100;
        }

        return value <= 1 ? value : null;
    }

    /// <summary>Milliseconds from <c>1500</c>, <c>1500ms</c> or <c>1.5s</c>; null when not a non-negative duration.</summary>
    public static double? ReadMilliseconds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            return TryNumber(text[..^2], out var ms) ? ms : null;
        }

        if (text.EndsWith('s') || text.EndsWith('S'))
        {
            return TryNumber(text[..^1], out var seconds) ? seconds * 1000 : null;
        }

        return TryNumber(text, out var value) ? value : null;
    }

    private static MetricKind? HintedKind(string? alertName)
    {
        if (alertName is null)
        {
            return null;
        }

        var name = alertName.ToLowerInvariant();
        var hinted = Kinds.Where(k => k.Hints.Any(h => name.Contains(h, StringComparison.Ordinal))).ToList();
        return hinted is [var only] ? only : null;
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value)
        && value >= 0;

    private static string? Find(IReadOnlyDictionary<string, string> values, string key) =>
        values.FirstOrDefault(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    private sealed record MetricKind(string Name, string[] Keys, bool IsFraction, double Threshold, string[] Hints)
    {
        public double? Read(string? text) => IsFraction ? ReadFraction(text) : ReadMilliseconds(text);

        public MetricObservation Observe(double value, DateTimeOffset observedAt) => new()
        {
            Name = Name,
            Value = value,
            Unit = IsFraction ? "ratio" : "ms",
            ObservedAt = observedAt,
            Anomalous = value >= Threshold,
            Source = SourceName,
        };
    }
}

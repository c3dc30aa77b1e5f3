using Agents.Contracts.Context;
using Agents.Hosting.Evidence;

namespace Agents.Context.Sources;

/// <summary>
/// Turns the raw points a metrics source answered into a bounded <see cref="MetricSeries"/>: the baseline (median before
/// the incident window), the peak inside it, the one largest step change of level, and the points downsampled.
/// <para>
/// The step is the split of the series into a "before" and an "after" part (each at least <see cref="MinimumSide"/>
/// points) whose means differ most against their noise (the t-like statistic of binary segmentation). It is reported
/// only when it is clear: an effect size (difference over pooled standard deviation, with a floor of 5% of the larger
/// level) of at least <see cref="ClearEffect"/>, and a change of at least <see cref="RelativeChange"/> of the larger level
/// (a rise by 43% or more) and at least the unit's smallest meaningful change (1 point of error ratio, 50 ms, 5%
/// utilisation, 1 restart).
/// </para>
/// </summary>
public static class SeriesAnalysis
{
    public const double ClearEffect = 3;
    public const int MinimumSide = 3;

    /// <summary>Labels kept per series (each name and value cut to the text bound): enough to tell series apart.</summary>
    public const int MaxLabels = 10;

    /// <summary>The smallest change of level, as a fraction of the larger level, that is a step (0.3: 4% to 5.7%, 300 ms to 430 ms).</summary>
    public const double RelativeChange = 0.3;

    public static MetricSeries Summarize(
        string service,
        string signal,
        string source,
        string query,
        string unit,
        IReadOnlyDictionary<string, string> labels,
        IEnumerable<SeriesPoint> points,
        ContextWindow window,
        ContextBounds bounds)
    {
        var ordered = points
            .Where(p => double.IsFinite(p.Value) && window.Contains(p.At))
            .OrderBy(p => p.At)
            .ToList();
        var baseline = ordered.Where(p => p.At < window.IncidentStart).Select(p => p.Value).ToList();
        var incident = ordered.Where(p => p.At >= window.IncidentStart).Select(p => p.Value).ToList();
        return new MetricSeries
        {
            Service = service,
            Signal = signal,
            Source = source,
            Query = query,
            From = window.Start,
            To = window.End,
            Unit = unit,
            Labels = labels.Take(MaxLabels).ToDictionary(l => bounds.Shorten(l.Key), l => bounds.Shorten(l.Value)),
            Baseline = baseline.Count > 0 ? Median(baseline) : null,
            Peak = incident.Count > 0 ? incident.Max() : null,
            Step = FindStep(ordered, unit),
            Resolution = Resolution(ordered),
            Points = Downsample(ordered, bounds.MaxPoints),
        };
    }

    /// <summary>The clear step change of level in <paramref name="points"/> (ordered by time), or null.</summary>
    public static StepChange? FindStep(IReadOnlyList<SeriesPoint> points, string unit)
    {
        var n = points.Count;
        if (n < 2 * MinimumSide)
        {
            return null;
        }

        // Prefix sums make every split O(1).
        var sum = new double[n + 1];
        var squares = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            sum[i + 1] = sum[i] + points[i].Value;
            squares[i + 1] = squares[i] + (points[i].Value * points[i].Value);
        }

        var best = -1;
        var bestScore = 0.0;
        for (var k = MinimumSide; k <= n - MinimumSide; k++)
        {
            var (before, after, sd) = Levels(k);
            var score = Math.Abs(after - before) / Floor(sd, before, after) * Math.Sqrt((double)k * (n - k) / n);
            if (score > bestScore)
            {
                bestScore = score;
                best = k;
            }
        }

        if (best < 0)
        {
            return null;
        }

        var (b, a, s) = Levels(best);
        var change = Math.Abs(a - b);
        var effect = change / Floor(s, b, a);
        if (effect < ClearEffect || change < RelativeChange * Math.Max(Math.Abs(a), Math.Abs(b)) || change < SmallestChange(unit))
        {
            return null;
        }

        // Walk back from the new level over the ramp leading to it (a rate window smears a sudden change).
        var threshold = b + (0.1 * (a - b));
        var start = best;
        while (start > 0 && (a > b ? points[start - 1].Value > threshold : points[start - 1].Value < threshold))
        {
            start--;
        }

        return new StepChange
        {
            At = points[best].At,
            StartedAt = points[start].At,
            Before = b,
            After = a,
            EffectSize = Math.Round(effect, 2),
            Direction = a > b ? "up" : "down",
        };

        (double Before, double After, double PooledSd) Levels(int k)
        {
            var m = n - k;
            var meanBefore = sum[k] / k;
            var meanAfter = (sum[n] - sum[k]) / m;
            var varBefore = Math.Max(0, (squares[k] / k) - (meanBefore * meanBefore));
            var varAfter = Math.Max(0, ((squares[n] - squares[k]) / m) - (meanAfter * meanAfter));
            return (meanBefore, meanAfter, Math.Sqrt(((k * varBefore) + (m * varAfter)) / n));
        }

        static double Floor(double sd, double before, double after) =>
            Math.Max(sd, Math.Max(1e-12, 0.05 * Math.Max(Math.Abs(before), Math.Abs(after))));
    }

    /// <summary>The median time between two points (null for fewer than two): how precisely a step's time is known.</summary>
    public static TimeSpan? Resolution(IReadOnlyList<SeriesPoint> ordered)
    {
        if (ordered.Count < 2)
        {
            return null;
        }

        var gaps = ordered.Zip(ordered.Skip(1), (a, b) => (b.At - a.At).Ticks).Order().ToList();
        return TimeSpan.FromTicks(gaps[gaps.Count / 2]);
    }

    /// <summary>The smallest change of level that means anything in <paramref name="unit"/>.</summary>
    public static double SmallestChange(string unit) => unit switch
    {
        "ratio" => 0.01,
        "seconds" => 0.05,
        "percent" => 5,
        "count" => 1,
        _ => 0,
    };

    /// <summary>At most <paramref name="maxPoints"/> points, each bucket keeping its highest (<see cref="ContextSizeLimiter.Downsample"/>).</summary>
    public static IReadOnlyList<SeriesPoint> Downsample(IReadOnlyList<SeriesPoint> ordered, int maxPoints) =>
        ContextSizeLimiter.Downsample(ordered, maxPoints);

    /// <summary>The <paramref name="k"/> series with the highest peak (then baseline) first.</summary>
    public static IReadOnlyList<MetricSeries> TopK(IEnumerable<MetricSeries> series, int k) =>
        series.OrderByDescending(s => s.Peak ?? double.MinValue).ThenByDescending(s => s.Baseline ?? double.MinValue).Take(k).ToList();

    private static double Median(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}

using System.Globalization;
using System.Text.Json;
using Agents.Contracts.Context;

namespace Agents.Hosting.Evidence;

/// <summary>
/// Keeps a context within a size (its JSON, as it travels and is stored). When it is larger, it cuts, in this order,
/// until it fits: the points of the dependencies' series, then of the service's own series (halved each time, the
/// analysis already done on every point stays), then the least frequent log patterns, workload events and least similar
/// past incidents (halved each time), then the alert details' values (to 200 characters), then every point, and last the
/// series that show no step (dependencies' first). Each cut is named in <see cref="IncidentContext.Truncated"/>. Steps,
/// and the baselines and peaks of the series kept, are never cut. The context
/// agent bounds what it gathers with it; the investigation's model brain bounds what it sends to the model.
/// </summary>
public static class ContextSizeLimiter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static int SizeOf(IncidentContext context) => JsonSerializer.SerializeToUtf8Bytes(context, Json).Length;

    public static IncidentContext Limit(IncidentContext context, int maxBytes)
    {
        var size = SizeOf(context);
        if (size <= maxBytes)
        {
            return context;
        }

        var original = size;
        var cuts = new List<string>();
        var service = context.Service;

        // Dependencies' points first, then the service's own, halving each round.
        foreach (var own in new[] { false, true })
        {
            while (size > maxBytes && context.Series.Any(s => IsOwn(s) == own && s.Points.Count > 2))
            {
                context = context with { Series = context.Series.Select(s => IsOwn(s) == own ? s with { Points = Halve(s.Points) } : s).ToList() };
                size = SizeOf(context);
                AddOnce(cuts, own ? "points of the service's series" : "points of the dependencies' series");
            }
        }

        while (size > maxBytes && (context.LogPatterns.Count > 1 || context.WorkloadEvents.Count > 1 || context.PastIncidents.Count > 1))
        {
            context = context with
            {
                LogPatterns = context.LogPatterns.Take(Math.Max(1, context.LogPatterns.Count / 2)).ToList(),
                WorkloadEvents = context.WorkloadEvents.Take(Math.Max(1, context.WorkloadEvents.Count / 2)).ToList(),
                PastIncidents = context.PastIncidents.Take(Math.Max(1, context.PastIncidents.Count / 2)).ToList(),
            };
            size = SizeOf(context);
            AddOnce(cuts, "less frequent log patterns, workload events and less similar past incidents");
        }

        if (size > maxBytes)
        {
            context = context with { AlertDetails = context.AlertDetails.ToDictionary(d => d.Key, d => d.Value.Length > 200 ? d.Value[..199] + "…" : d.Value) };
            size = SizeOf(context);
            cuts.Add("alert detail values to 200 characters");
        }

        // Last resort, for a context made of many small things: no points at all, five deploys, the rest summarised.
        if (size > maxBytes)
        {
            context = context with
            {
                Series = context.Series.Select(s => s with { Points = [] }).ToList(),
                RecentDeploys = context.RecentDeploys.Take(5).ToList(),
                AlertDetails = context.AlertDetails.Take(20).ToDictionary(d => d.Key, d => d.Value),
                SourceFailures = context.SourceFailures.Take(5).ToList(),
            };
            size = SizeOf(context);
            cuts.Add("every series' points, all but the 5 newest deploys and 20 alert details, all but 5 source failures");
        }

        // Then the dependencies' series that show no change, then the service's own that show none: the steps stay.
        foreach (var own in new[] { false, true })
        {
            if (size > maxBytes && context.Series.Any(s => IsOwn(s) == own && s.Step is null))
            {
                context = context with { Series = context.Series.Where(s => IsOwn(s) != own || s.Step is not null).ToList() };
                size = SizeOf(context);
                cuts.Add(own ? "the service's series that show no step" : "the dependencies' series that show no step");
            }
        }

        cuts.Add(string.Create(CultureInfo.InvariantCulture, $"context was {original} bytes, limit {maxBytes}, now {size}"));
        return context with { Truncated = cuts };

        bool IsOwn(MetricSeries s) => string.Equals(s.Service, service, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// At most <paramref name="maxPoints"/> points: the span is cut into that many equal buckets and each non-empty
    /// bucket keeps its highest point (so a spike survives downsampling).
    /// </summary>
    public static IReadOnlyList<SeriesPoint> Downsample(IReadOnlyList<SeriesPoint> ordered, int maxPoints)
    {
        if (ordered.Count <= maxPoints)
        {
            return ordered.ToList();
        }

        var first = ordered[0].At;
        var span = (ordered[^1].At - first).Ticks + 1;
        return ordered
            .GroupBy(p => (int)((p.At - first).Ticks * maxPoints / span))
            .Select(bucket => bucket.MaxBy(p => p.Value)!)
            .ToList();
    }

    private static List<SeriesPoint> Halve(IReadOnlyList<SeriesPoint> points) =>
        points.Count <= 2 ? points.ToList() : Downsample(points, Math.Max(2, points.Count / 2)).ToList();

    private static void AddOnce(List<string> cuts, string cut)
    {
        if (!cuts.Contains(cut))
        {
            cuts.Add(cut);
        }
    }
}

using Agents.Hosting.Prometheus;
using Agents.Contracts.Context;
using Agents.Hosting;
using Agents.Hosting.Catalog;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources.Prometheus;

/// <summary>
/// Metric series from Prometheus (<c>/api/v1/query_range</c>): for the incident's service and each service it depends on
/// whose catalog entry has a Prometheus part, every query given there over the whole window, at most
/// <see cref="MaxConcurrentQueries"/> at once. Each query gives one signal: error ratio (ratio), latency p99 (seconds),
/// saturation (ratio), restarts (count); each series answered is summarised by <see cref="SeriesAnalysis"/> (baseline,
/// peak, step change, downsampled points) and the <see cref="ContextBounds.MaxSeriesPerQuery"/> highest are kept.
/// <list type="bullet">
/// <item>A query that answers no series gives no series. Non-finite values (<c>NaN</c>, <c>±Inf</c>) are skipped.</item>
/// <item>A query Prometheus refuses (or that cannot reach it) while others answered is reported in
/// <see cref="ContextContribution.Problems"/> with Prometheus' own error; when none answered the source throws.</item>
/// </list>
/// </summary>
public sealed class PrometheusSource(IHttpClientFactory httpClientFactory, IOptions<PrometheusSourceOptions> options) : IContextSource
{
    public const string SourceName = "prometheus";

    /// <summary>The named HTTP client and the configuration section's name (<c>Context:Sources:Prometheus</c>).</summary>
    public const string SectionName = "Prometheus";

    /// <summary>Queries in flight at once, per incident.</summary>
    public const int MaxConcurrentQueries = 4;

    /// <summary>The share of the source's timeout after which queries still running are given up and the rest is kept.</summary>
    public const double SoftDeadline = 0.8;

    /// <summary>Distinct reasons named when every query failed.</summary>
    private const int MaxReasonsShown = 3;

    public string Name => SourceName;

    public TimeSpan? Timeout => options.Value.Timeout;

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (window, bounds) = (request.Window, request.Bounds);
        var queries = Queries(request).ToList();
        if (queries.Count == 0)
        {
            return ContextContribution.Empty;
        }

        var settings = options.Value;
        var client = new PrometheusClient(httpClientFactory.CreateClient(SectionName), settings);
        var step = settings.StepFor(window);
        using var gate = new SemaphoreSlim(MaxConcurrentQueries);

        // Queries still running at 80% of the source's time are given up, so that what did answer is kept (the
        // collector would otherwise drop the whole source at its timeout).
        var softLimit = settings.Timeout * SoftDeadline;
        using var soft = CancellationTokenSource.CreateLinkedTokenSource(ct);
        soft.CancelAfter(softLimit);
        var answers = await Task.WhenAll(queries.Select(query => AskAsync(query)));

        var failed = answers.Where(a => a.Failure is not null).ToList();
        if (failed.Count == answers.Length)
        {
            var reasons = failed
                .GroupBy(a => a.Failure!.Message, StringComparer.Ordinal)
                .Take(MaxReasonsShown)
                .Select(g => $"{bounds.Shorten(g.Key)} ({string.Join(", ", g.Select(a => a.Query.Describe()))})");
            throw new HttpRequestException(
                $"Prometheus at {client.Server} answered none of its {answers.Length} queries: {string.Join("; ", reasons)}",
                failed[0].Failure,
                (failed[0].Failure as PrometheusQueryException)?.StatusCode ?? (failed[0].Failure as HttpRequestException)?.StatusCode);
        }

        return new ContextContribution
        {
            Series = answers.SelectMany(a => a.Series).ToList(),
            Problems = failed.Select(a => bounds.Shorten($"{a.Query.Describe()}: {a.Failure!.Message}")).ToList(),
        };

        async Task<Answer> AskAsync(Query query)
        {
            try
            {
                await gate.WaitAsync(soft.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new Answer(query, [], new TimeoutException($"not asked: no room within {Durations.Format(softLimit)}"));
            }

            try
            {
                var answered = await client.QueryRangeAsync(query.PromQl, window.Start, window.End, step, soft.Token);
                var series = answered.Select(s => SeriesAnalysis.Summarize(
                    query.Service,
                    query.Signal,
                    SourceName,
                    query.PromQl,
                    query.Unit,
                    Labels(s.Metric),
                    (s.Values ?? []).Where(v => double.IsFinite(v.Value) && v.HasValidTime).Select(v => new SeriesPoint(v.At, v.Value)),
                    window,
                    bounds));
                return new Answer(query, SeriesAnalysis.TopK(series, bounds.MaxSeriesPerQuery), null);
            }
            catch (Exception e) when (e is PrometheusQueryException or HttpRequestException)
            {
                return new Answer(query, [], e);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new Answer(query, [], new TimeoutException($"no answer within {Durations.Format(softLimit)}"));
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>The queries to make: the service's, then each dependency's (at most <see cref="ContextBounds.MaxDependencies"/>).</summary>
    private static IEnumerable<Query> Queries(ContextRequest request)
    {
        var entries = new[] { request.Service }
            .Concat(request.Dependencies.Take(request.Bounds.MaxDependencies))
            .DistinctBy(e => e.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries)
        {
            if (entry.Prometheus is not { } prometheus)
            {
                continue;
            }

            foreach (var (signal, unit, promQl) in Signals(prometheus))
            {
                if (!string.IsNullOrWhiteSpace(promQl))
                {
                    yield return new Query(entry.Name, signal, unit, promQl);
                }
            }
        }
    }

    private static IEnumerable<(string Signal, string Unit, string? PromQl)> Signals(PrometheusQueries queries) =>
    [
        (MetricSignals.ErrorRatio, "ratio", queries.ErrorRatio),
        (MetricSignals.LatencyP99, "seconds", queries.LatencyP99),
        (MetricSignals.Saturation, "ratio", queries.Saturation),
        (MetricSignals.Restarts, "count", queries.Restarts),
    ];

    private static Dictionary<string, string> Labels(IReadOnlyDictionary<string, string>? metric) =>
        (metric ?? new Dictionary<string, string>())
            .Where(l => l.Key != "__name__")
            .ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    private sealed record Query(string Service, string Signal, string Unit, string PromQl)
    {
        public string Describe() => $"{Signal} query for {Service}";
    }

    private sealed record Answer(Query Query, IReadOnlyList<MetricSeries> Series, Exception? Failure);
}

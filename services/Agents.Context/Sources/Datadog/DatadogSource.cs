using System.Net;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources.Datadog;

/// <summary>
/// Context from Datadog about the incident's service, as its catalog entry's <see cref="DatadogQueries"/> say; all
/// requests at once, over the window (see <see cref="DatadogClient"/> for the wire formats):
/// <list type="bullet">
/// <item>Metrics (<c>GET /api/v1/query</c>): each of the error ratio (unit <c>ratio</c>), p99 latency (<c>seconds</c>) and
/// saturation (<c>ratio</c>, or <c>percent</c> when <see cref="DatadogQueries.SaturationIsPercent"/>) queries given, for the
/// service and for each dependency with a Datadog part; each answer is analysed by <see cref="SeriesAnalysis"/>, top-k
/// series per query kept, labels from the series' scope and tag set.</item>
/// <item>Deploys (<c>GET /api/v1/events</c>, filtered by the entry's tags, or <c>service:&lt;name&gt;</c> when it has none):
/// the deploy events of the service read by the convention of <see cref="DatadogDeployEvents"/> (a tag or title that
/// mentions <c>deploy</c>; the version from the <c>version:</c> tag or the title; events without a version skipped).</item>
/// <item>Logs (<c>POST /api/v2/logs/events/search</c>, only when <see cref="DatadogQueries.Logs"/> is set): up to
/// <see cref="ContextBounds.MaxLogLines"/> messages, newest first, grouped by <see cref="LogPatternGrouper"/>.</item>
/// </list>
/// A request that fails while others answer is reported in <see cref="ContextContribution.Problems"/>
/// (<c>error_ratio query: 400 Error parsing query: …</c>); when every request fails (a wrong key: 403 <c>Forbidden</c>
/// everywhere) the source throws with each reason. Messages carry the status and Datadog's own error text, never a key.
/// A service without a Datadog part in the catalog asks nothing.
/// </summary>
public sealed class DatadogSource(IHttpClientFactory httpClientFactory, IOptions<DatadogSourceOptions> options) : IContextSource
{
    public const string SourceName = "datadog";

    /// <summary>The named HTTP client and configuration section (<c>Context:Sources:Datadog</c>).</summary>
    public const string ClientName = "Datadog";

    public string Name => SourceName;

    public TimeSpan? Timeout => options.Value.Timeout;

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Service.Datadog is not { } datadog)
        {
            return ContextContribution.Empty;
        }

        var settings = options.Value;
        if (!settings.IsEnabled)
        {
            throw new InvalidOperationException("Datadog source is not configured (Context:Sources:Datadog needs Url, ApiKey and ApplicationKey).");
        }

        var client = new DatadogClient(
            httpClientFactory.CreateClient(ClientName), settings.Url!, settings.ApiKey!, settings.ApplicationKey!, request.Bounds);
        var (window, bounds) = (request.Window, request.Bounds);
        var parts = new List<Task<Part>>();
        var entries = request.Dependencies.Take(bounds.MaxDependencies).Select(d => (Entry: d, Label: $" for {d.Name}")).Prepend((request.Service, ""));
        foreach (var (entry, label) in entries)
        {
            if (entry.Datadog is not { } queries)
            {
                continue;
            }

            foreach (var (signal, query, unit) in Metrics(queries))
            {
                parts.Add(RunAsync($"{signal} query{label}", ct, async () => new Part
                {
                    Series = SeriesAnalysis.TopK(
                        (await client.QueryMetricsAsync(query, window.Start, window.End, ct))
                            .Select(s => SeriesAnalysis.Summarize(entry.Name, signal, SourceName, query, unit, s.Labels, s.Points, window, bounds)),
                        bounds.MaxSeriesPerQuery),
                }));
            }
        }

        var service = request.Service.Name;
        var tags = datadog.Tags.Count > 0 ? datadog.Tags : [$"service:{service}"];
        parts.Add(RunAsync("events", ct, async () => new Part
        {
            Deploys = (await client.ListEventsAsync(tags, window.Start, window.End, ct))
                .Where(e => window.Contains(e.At))
                .Select(e => DatadogDeployEvents.Read(service, e.At, e.Title, e.Tags, tags))
                .OfType<DeployRecord>()
                .DistinctBy(d => (d.Version, d.DeployedAt))
                .OrderByDescending(d => d.DeployedAt)
                .ToList(),
        }));

        if (!string.IsNullOrWhiteSpace(datadog.Logs))
        {
            var logs = datadog.Logs.Trim();
            parts.Add(RunAsync("logs search", ct, async () => new Part
            {
                Patterns = LogPatternGrouper.Group(
                    await client.SearchLogsAsync(logs, window.Start, window.End, bounds.MaxLogLines, ct), SourceName, logs, window, bounds),
            }));
        }

        var done = await Task.WhenAll(parts);
        var problems = done.Where(p => p.Problem is not null).Select(p => p.Problem!).ToList();
        if (problems.Count == done.Length)
        {
            throw new HttpRequestException(
                $"Datadog: every request failed: {string.Join("; ", problems)}",
                null,
                done.Select(p => p.Status).FirstOrDefault(s => s is not null));
        }

        return new ContextContribution
        {
            Series = done.SelectMany(p => p.Series).ToList(),
            Deploys = done.SelectMany(p => p.Deploys).ToList(),
            LogPatterns = done.SelectMany(p => p.Patterns).ToList(),
            Problems = problems,
        };
    }

    private static IEnumerable<(string Signal, string Query, string Unit)> Metrics(DatadogQueries queries)
    {
        if (!string.IsNullOrWhiteSpace(queries.ErrorRatio))
        {
            yield return (MetricSignals.ErrorRatio, queries.ErrorRatio.Trim(), "ratio");
        }

        if (!string.IsNullOrWhiteSpace(queries.LatencyP99))
        {
            yield return (MetricSignals.LatencyP99, queries.LatencyP99.Trim(), "seconds");
        }

        if (!string.IsNullOrWhiteSpace(queries.Saturation))
        {
            yield return (MetricSignals.Saturation, queries.Saturation.Trim(), queries.SaturationIsPercent ? "percent" : "ratio");
        }
    }

    /// <summary>Runs one request; its failure becomes a problem named <paramref name="what"/> (cancellation is not a failure).</summary>
    private static async Task<Part> RunAsync(string what, CancellationToken ct, Func<Task<Part>> request)
    {
        try
        {
            return await request();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new Part
            {
                Problem = $"{what}: {ex.Message}",
                Status = (ex as HttpRequestException)?.StatusCode,
            };
        }
    }

    private sealed record Part
    {
        public IReadOnlyList<MetricSeries> Series { get; init; } = [];

        public IReadOnlyList<DeployRecord> Deploys { get; init; } = [];

        public IReadOnlyList<LogPattern> Patterns { get; init; } = [];

        public string? Problem { get; init; }

        public HttpStatusCode? Status { get; init; }
    }
}

using System.Xml;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Amazon.Runtime;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>
/// Metric series from Amazon CloudWatch (<c>GetMetricData</c>, see <see cref="GetMetricDataClient"/>) for the incident's
/// service and the services it depends on, each as its catalog entry's <c>cloudwatch</c> part says: error ratio, latency p99
/// and saturation over the context window, analysed by <see cref="SeriesAnalysis"/>. One call per service, in parallel; a
/// service whose call fails is named in <see cref="ContextContribution.Problems"/> while the others count, and the source
/// fails only when every call failed. A signal that answered no points is named too (a wrong dimension gives no error in
/// CloudWatch, only an empty series).
/// </summary>
public sealed class CloudWatchSource : IContextSource
{
    public const string SourceName = "cloudwatch";

    /// <summary>The named <see cref="HttpClient"/> (and configuration section) of this source.</summary>
    public const string ClientName = "CloudWatch";

    private readonly IHttpClientFactory _clients;
    private readonly CloudWatchSourceOptions _options;
    private readonly TimeProvider _clock;
    private readonly Func<string, string?> _environment;

    public CloudWatchSource(IHttpClientFactory clients, IOptions<CloudWatchSourceOptions> options, TimeProvider clock)
        : this(clients, options, clock, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>As the public constructor, with the AWS variables read through <paramref name="environment"/>.</summary>
    internal CloudWatchSource(IHttpClientFactory clients, IOptions<CloudWatchSourceOptions> options, TimeProvider clock, Func<string, string?> environment)
    {
        _clients = clients;
        _options = options.Value;
        _clock = clock;
        _environment = environment;
    }

    public string Name => SourceName;

    public TimeSpan? Timeout => _options.Timeout;

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var entries = new[] { request.Service }
            .Concat(request.Dependencies.Take(request.Bounds.MaxDependencies))
            .Where(e => e.CloudWatch is not null)
            .ToList();
        if (entries.Count == 0)
        {
            return ContextContribution.Empty;
        }

        var endpoint = _options.Url ?? throw new InvalidOperationException("cloudwatch: Context__Sources__CloudWatch__Url is not set");
        var credentials = _options.ResolveCredentials(_environment) ?? throw new InvalidOperationException(
            "cloudwatch: no AWS credentials: set Context__Sources__CloudWatch__AccessKeyId and __SecretAccessKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        var client = new GetMetricDataClient(_clients.CreateClient(ClientName), _clock);
        var period = GetMetricDataPlan.PeriodFor(request.Window, _options.Period);
        var outcomes = await Task.WhenAll(entries.Select(entry => CollectAsync(client, endpoint, credentials, entry, period, request, ct)));

        var failures = outcomes.Where(o => o.Failure is not null).Select(o => o.Failure!).ToList();
        if (failures.Count == outcomes.Length)
        {
            throw failures.Count == 1 ? failures[0] : new AggregateException("cloudwatch: every GetMetricData call failed", failures);
        }

        return new ContextContribution
        {
            Series = outcomes.SelectMany(o => o.Series).ToList(),
            Problems = outcomes.SelectMany(o => o.Problems).ToList(),
        };
    }

    private async Task<Outcome> CollectAsync(
        GetMetricDataClient client, Uri endpoint, AWSCredentials credentials, CatalogEntry entry, int period, ContextRequest request, CancellationToken ct)
    {
        var queries = entry.CloudWatch!;
        var region = _options.ResolveRegion(queries.Region, _environment);
        if (region is null)
        {
            return Outcome.Failed(new InvalidOperationException(
                $"cloudwatch: no region for {entry.Name}: set the catalog entry's cloudwatch.region, Context__Sources__CloudWatch__Region or AWS_REGION"));
        }

        var plan = GetMetricDataPlan.For(queries, region, period);
        if (plan.Queries.Count == 0)
        {
            return new Outcome([], [], null);
        }

        GetMetricDataAnswer answer;
        try
        {
            answer = await client.FetchAsync(EndpointFor(endpoint, region), region, credentials, plan.Queries, request.Window.Start, request.Window.End, _options.MaxPages, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or XmlException && !ct.IsCancellationRequested)
        {
            var failure = ex is HttpRequestException { StatusCode: null }
                ? new HttpRequestException($"CloudWatch GetMetricData ({region}) could not be reached: {ex.Message}", ex)
                : ex;
            return Outcome.Failed(failure, $"{entry.Name}: {failure.Message}");
        }

        var bounds = request.Bounds;
        var series = new List<MetricSeries>();
        var problems = answer.Messages.Select(m => $"{entry.Name}: {bounds.Shorten(m)}").ToList();
        if (answer.Truncated)
        {
            problems.Add($"{entry.Name}: more than {_options.MaxPages} pages of data points; the rest was not read");
        }

        foreach (var signal in plan.Signals)
        {
            if (!answer.Results.TryGetValue(signal.ResultId, out var result) || result.Points.Count == 0)
            {
                problems.Add($"{entry.Name} {signal.Signal}: no data points for {signal.Query}");
                continue;
            }

            if (result.StatusCode is not ("Complete" or "PartialData") || result.Messages.Count > 0)
            {
                problems.Add(bounds.Shorten($"{entry.Name} {signal.Signal}: {result.StatusCode} {string.Join("; ", result.Messages)}".TrimEnd()));
            }

            series.Add(SeriesAnalysis.Summarize(
                entry.Name, signal.Signal, SourceName, signal.Query, signal.Unit, signal.Dimensions, result.Points, request.Window, bounds));
        }

        return new Outcome(series, problems, null);
    }

    /// <summary>
    /// The endpoint for <paramref name="region"/>: a standard <c>monitoring.REGION.amazonaws.com</c> endpoint moved to that
    /// region; any other endpoint (a VPC endpoint, a proxy, a test server) as configured.
    /// </summary>
    internal static Uri EndpointFor(Uri configured, string region)
    {
        var current = CloudWatchSourceOptions.RegionOfEndpoint(configured);
        if (current is null || current == region)
        {
            return configured;
        }

        return new UriBuilder(configured) { Host = configured.Host.Replace($"monitoring.{current}.", $"monitoring.{region}.", StringComparison.Ordinal) }.Uri;
    }

    private sealed record Outcome(IReadOnlyList<MetricSeries> Series, IReadOnlyList<string> Problems, Exception? Failure)
    {
        public static Outcome Failed(Exception failure, string? problem = null) => new([], [problem ?? failure.Message], failure);
    }
}

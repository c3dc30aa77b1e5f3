// The context agent's collection for one incident (ContextCollector.DecideAsync) with every source on: a real
// Prometheus over written history, the local fakes of Loki, Datadog, CloudWatch, PagerDuty and the Kubernetes API seeded
// at realistic volumes (in this process), the alert itself and the deploy log in memory. The sources are built by the
// context service's own registration (AddContextSources over Context:Sources:* settings); each is wrapped to time it.
// Incidents are checkout's error ratio alert and search's latency alert in turn. In order:
//   - INCIDENTS incidents one at a time after 6 warm-ups: the time of each collection and of each source in it, the HTTP
//     requests each source makes and the CPU this process spends per incident;
//   - 40 incidents per source with that source alone (its time without the others competing for the cores);
//   - INCIDENTS incidents CONCURRENCY at a time after 4 x CONCURRENCY warm-ups;
//   - the size of the context per incident (JSON as ContextSizeLimiter counts it) and what takes it, as bounded by
//     default (Context:Bounds:MaxBytes 64 KiB) and unbounded; then one incident with MaxBytes at 32 and at 16 KiB.
//
//   dotnet run -c Release --project tests/Agents.Context.Bench -- [incidents=200] [concurrency=8]
//
// Needs Debian's prometheus package (/usr/bin/prometheus and promtool) and a Release build; deploy/local/bench-context.sh
// installs what is missing. Exits 1 when a source failed or reported a problem in any incident.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Agents.Context;
using Agents.Context.Bench;
using Agents.Context.Sources;
using Agents.Context.Sources.CloudWatch;
using Agents.Context.Sources.Datadog;
using Agents.Context.Sources.Kubernetes;
using Agents.Context.Sources.Loki;
using Agents.Context.Sources.PagerDuty;
using Agents.Context.Sources.Prometheus;
using Agents.Contracts.Context;
using Agents.Hosting.Evidence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

var incidents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
const int WarmUps = 6;
int[] tighterLimits = [32 * 1024, 16 * 1024];

var catalog = BenchCatalog.Load();
await using var telemetry = await BenchTelemetry.Start(catalog);
Console.WriteLine(telemetry.Describe());

// The context service's registration of its sources, over settings that point every source at the servers above.
var requests = new RequestCounter();
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Agents.Context.Bench" });
builder.WebHost.UseKestrelCore(); // a WebApplication needs a server to be built; this one is never started
builder.Configuration.AddInMemoryCollection(telemetry.Settings);
builder.Services.AddLogging();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(catalog);
builder.Services.AddSingleton<IDeployLog>(telemetry.DeployLog);
builder.Services.AddSingleton<IContextSource, AlertDetailsSource>();
builder.Services.AddSingleton<IContextSource, DeployLogSource>();
builder.AddValidatedOptions<ContextOptions>(ContextOptions.SectionName);
builder.AddValidatedOptions<ContextBounds>($"{ContextOptions.SectionName}:Bounds");
builder.AddContextSources();
(string Client, string Source)[] counted =
[
    (PrometheusSource.SectionName, PrometheusSource.SourceName),
    (LokiSource.ClientName, LokiSource.SourceName),
    (DatadogSource.ClientName, DatadogSource.SourceName),
    (CloudWatchSource.ClientName, CloudWatchSource.SourceName),
    (PagerDutyHistorySource.ClientName, PagerDutyHistorySource.SourceName),
];
foreach (var (client, source) in counted)
{
    builder.Services.AddHttpClient(client).AddHttpMessageHandler(() => requests.Handler(source));
}

await using var app = builder.Build();
var sources = app.Services.GetServices<IContextSource>().ToList();
var names = sources.Select(s => s.Name).ToList();
string[] expected = ["alert", "deploy-log", "prometheus", "loki", "datadog", "cloudwatch", "pagerduty", "kubernetes"];
if (!names.SequenceEqual(expected))
{
    throw new InvalidOperationException($"Expected the sources {string.Join(", ", expected)}; registered: {string.Join(", ", names)}.");
}

var options = app.Services.GetRequiredService<IOptions<ContextOptions>>();
var bounds = app.Services.GetRequiredService<IOptions<ContextBounds>>().Value;
var runbooks = RunbookActionNames.Load(options.Value.RunbookPath, NullLogger.Instance);

for (var i = 0; i < WarmUps; i++)
{
    await Collect(Collector(new SourceTimings(), bounds), i);
}

// One at a time, every source at once (as the collector asks them).
var sequentialTimes = new SourceTimings();
var sequentialCollector = Collector(sequentialTimes, bounds);
var before = counted.ToDictionary(c => c.Source, c => requests.Of(c.Source));
var kubernetesBefore = telemetry.Kubernetes.Requests.Count;
var cpuBefore = Cpu();
var gen2Before = GC.CollectionCount(2);
var sequential = new List<Collected>();
for (var i = 0; i < incidents; i++)
{
    sequential.Add(await Collect(sequentialCollector, i));
}

var cpuPerIncident = (Cpu() - cpuBefore).TotalMilliseconds / incidents;
var gen2PerIncident = (GC.CollectionCount(2) - gen2Before) / (double)incidents;
var perIncident = counted.ToDictionary(c => c.Source, c => (requests.Of(c.Source) - before[c.Source]) / (double)incidents);
perIncident[KubernetesSource.SourceName] = (telemetry.Kubernetes.Requests.Count - kubernetesBefore) / (double)incidents;

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"context collection, {expected.Length - 2} sources + alert + deploy log, {incidents} incidents one at a time: {Distribution(sequential.Select(r => r.Milliseconds))}"));
Console.WriteLine("per source (p50 / p99): " + string.Join(", ", expected.Select(s => $"{s} {PerSource(sequentialTimes.Of(s))}")));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"HTTP requests per incident: {string.Join(", ", expected.Where(perIncident.ContainsKey).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {perIncident[s]:0.#}")))}; "
    + $"per incident in this process (collector and the in-process fakes; Prometheus apart): {cpuPerIncident:0} ms CPU, {gen2PerIncident:0.00} gen2 GCs"));

// Each external source alone, so that its time is not shared with the others' on the same cores.
var alone = new SourceTimings();
var aloneCpu = new Dictionary<string, double>(StringComparer.Ordinal);
var aloneIncidents = Math.Min(incidents, 40);
foreach (var source in sources.Skip(2))
{
    var only = new ContextCollector([new TimedSource(source, alone)], options, Options.Create(bounds), catalog, runbooks, TimeProvider.System);
    var cpu = Cpu();
    for (var i = 0; i < aloneIncidents; i++)
    {
        await only.DecideAsync(BenchIncidents.Collect(i, telemetry.AlertTime), CancellationToken.None);
    }

    aloneCpu[source.Name] = (Cpu() - cpu).TotalMilliseconds / aloneIncidents;
}

Console.WriteLine($"each source alone, {aloneIncidents} incidents (p50 / p99, CPU per incident in this process): "
    + string.Join(", ", expected.Skip(2).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {PerSource(alone.Of(s))} {aloneCpu[s]:0} ms CPU"))));

// CONCURRENCY at a time, after 4 x CONCURRENCY warm-ups: the first burst waits for the thread pool to grow.
await AtOnce(Collector(new SourceTimings(), bounds), 4 * concurrency);
var concurrentTimes = new SourceTimings();
var wall = Stopwatch.StartNew();
var concurrent = await AtOnce(Collector(concurrentTimes, bounds), incidents);
wall.Stop();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"context collection, {incidents} incidents {concurrency} at a time: {Distribution(concurrent.Select(r => r.Milliseconds))}; {incidents / wall.Elapsed.TotalSeconds:0.0} incidents/s"));
Console.WriteLine($"per source {concurrency} at a time (p50 / p99): " + string.Join(", ", expected.Select(s => $"{s} {PerSource(concurrentTimes.Of(s))}")));

// What one incident's context holds: as bounded by default, unbounded (the most Context:Bounds:MaxBytes allows), and
// bounded tighter.
var sizes = sequential.Select(r => r.Bytes).Order().ToList();
var unbounded = new List<Collected>();
foreach (var number in Enumerable.Range(0, BenchCatalog.IncidentServices.Count))
{
    unbounded.Add(await Collect(Collector(new SourceTimings(), Bounds(4 * 1024 * 1024)), number));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"context size per incident (JSON, as ContextSizeLimiter counts it): median {Median(sizes) / 1024:0.0} KiB, max {sizes[^1] / 1024.0:0.0} KiB (limit {bounds.MaxBytes / 1024} KiB); "
    + $"truncated in {sequential.Count(r => r.Context.Truncated.Count > 0)} of {sequential.Count}; unbounded {string.Join(", ", unbounded.Select(u => $"{u.Service} {u.Bytes / 1024.0:0.0} KiB"))}"));
foreach (var group in sequential.GroupBy(r => r.Service))
{
    var typical = group.OrderBy(r => r.Bytes).ElementAt(group.Count() / 2);
    Console.WriteLine($"  {group.Key} ({group.Count()} incidents), median {Composition(typical)}");
    Console.WriteLine($"  {group.Key} unbounded {Composition(unbounded.First(u => u.Service == group.Key))}");
    Console.WriteLine(Evidence(group.Key, typical.Context, telemetry.AlertTime));
}

var limited = new List<Collected>();
foreach (var limit in tighterLimits)
{
    var bounded = await Collect(Collector(new SourceTimings(), Bounds(limit)), 0);
    limited.Add(bounded);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"with Context:Bounds:MaxBytes={limit} ({limit / 1024} KiB), {bounded.Service}: {bounded.Bytes / 1024.0:0.0} KiB, {(bounded.Bytes <= limit ? "within" : "OVER")} the limit; "
        + $"{Composition(bounded)}; cut: {string.Join("; ", bounded.Context.Truncated)}"));
}

var failed = sequential.Concat(concurrent).Concat(unbounded).Concat(limited).Where(r => r.Context.SourceFailures.Count > 0 || !expected.All(r.Context.Sources.Contains)).ToList();
if (failed.Count > 0)
{
    Console.WriteLine($"FAILED: {failed.Count} incidents lacked a source; e.g. sources {string.Join(", ", failed[0].Context.Sources)}; "
        + string.Join("; ", failed[0].Context.SourceFailures.Select(f => $"{f.Source}: {f.Reason}")));
    return 1;
}

Console.WriteLine($"every incident: all {expected.Length} sources answered, none failed or reported a problem");
return 0;

// The configured bounds with another MaxBytes.
ContextBounds Bounds(int maxBytes)
{
    var limits = app.Configuration.GetSection($"{ContextOptions.SectionName}:Bounds").Get<ContextBounds>() ?? new ContextBounds();
    limits.MaxBytes = maxBytes;
    return limits;
}

ContextCollector Collector(SourceTimings timings, ContextBounds limits) => new(
    sources.Select(s => new TimedSource(s, timings)).ToList(), options, Options.Create(limits), catalog, runbooks, TimeProvider.System);

// COUNT incidents, CONCURRENCY at a time.
async Task<List<Collected>> AtOnce(ContextCollector collector, int count)
{
    var done = new ConcurrentBag<Collected>();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int number;
        while ((number = Interlocked.Increment(ref next)) < count)
        {
            done.Add(await Collect(collector, number));
        }
    }));
    return [.. done];
}

async Task<Collected> Collect(ContextCollector collector, int number)
{
    var command = BenchIncidents.Collect(number, telemetry.AlertTime);
    var started = Stopwatch.GetTimestamp();
    var outcome = await collector.DecideAsync(command, CancellationToken.None);
    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    var context = outcome.Result ?? throw new InvalidOperationException($"incident {number}: {outcome.FailureReason}");
    return new Collected(command.Triage.Service, elapsed, context, ContextSizeLimiter.SizeOf(context));
}

static TimeSpan Cpu()
{
    using var self = Process.GetCurrentProcess();
    return self.TotalProcessorTime;
}

static string Distribution(IEnumerable<double> milliseconds)
{
    var sorted = milliseconds.Order().ToList();
    return string.Create(CultureInfo.InvariantCulture,
        $"p50 {Ms(Percentile(sorted, 0.5))} ms, p90 {Ms(Percentile(sorted, 0.9))} ms, p99 {Ms(Percentile(sorted, 0.99))} ms, max {Ms(sorted[^1])} ms");
}

static string PerSource(IReadOnlyList<double> milliseconds)
{
    var sorted = milliseconds.Order().ToList();
    return sorted.Count == 0 ? "-" : $"{Ms(Percentile(sorted, 0.5))}/{Ms(Percentile(sorted, 0.99))} ms";
}

// Nearest rank.
static double Percentile(List<double> sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];

static double Median(List<int> sorted) =>
    sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2.0;

static string Ms(double value) => value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

// Its size and what takes it: the series, log patterns, past incidents and workload events, and the rest.
static string Composition(Collected run)
{
    var c = run.Context;
    var parts = new (string Name, int Count, int Bytes)[]
    {
        ("series", c.Series.Count, Json(c.Series)),
        ("log patterns", c.LogPatterns.Count, Json(c.LogPatterns)),
        ("past incidents", c.PastIncidents.Count, Json(c.PastIncidents)),
        ("workload events", c.WorkloadEvents.Count, Json(c.WorkloadEvents)),
    };
    var points = c.Series.Count == 0 ? 0 : c.Series.Max(s => s.Points.Count);
    return string.Create(CultureInfo.InvariantCulture,
        $"{run.Bytes / 1024.0:0.0} KiB = {string.Join(" + ", parts.Select(p => $"{p.Count} {p.Name}{(p.Name != "series" ? "" : points > 0 ? $" of <={points} points" : " without points")} {p.Bytes / 1024.0:0.0}"))}"
        + $" + the rest {(run.Bytes - parts.Sum(p => p.Bytes)) / 1024.0:0.0} ({c.RecentDeploys.Count} deploys, {c.Metrics.Count} readings, {c.AlertDetails.Count} alert details)");
}

static int Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web).Length;

static string Evidence(string service, IncidentContext context, DateTimeOffset alert)
{
    var steps = context.Series
        .Where(s => s.Service == service && s.Step is { Direction: "up" })
        .GroupBy(s => s.Signal)
        .Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{g.Key} ({string.Join(", ", g.Select(s => s.Source).Distinct())}; {Minutes(alert - g.Max(s => s.Step!.Began), alert - g.Min(s => s.Step!.Began))} min before the alert)"));
    var deploys = context.RecentDeploys.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Version} {(alert - d.DeployedAt).TotalMinutes:0} min before ({d.Source})"));
    var pattern = context.LogPatterns.FirstOrDefault();
    var past = context.PastIncidents.FirstOrDefault();
    return string.Create(CultureInfo.InvariantCulture,
        $"    evidence: steps up in {string.Join(", ", steps)}; deploys {string.Join(", ", deploys)}; "
        + $"top log pattern x{pattern?.Count} \"{Cut(pattern?.Pattern, 60)}\"; most similar past incident \"{past?.Title}\" ({past?.Similarity:0.00}, action {past?.Action ?? "none"})");
}

static string Minutes(TimeSpan least, TimeSpan most)
{
    var (a, b) = (least.TotalMinutes.ToString("0", CultureInfo.InvariantCulture), most.TotalMinutes.ToString("0", CultureInfo.InvariantCulture));
    return a == b ? a : $"{a}-{b}";
}

static string Cut(string? text, int length) => text is null ? "" : text.Length <= length ? text : text[..(length - 1)] + "…";

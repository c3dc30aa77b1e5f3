// The cost of tracing on an incident: the time from publishing an alert to its incident's Resolved status, on two
// copies of the whole system running side by side (each with its own virtual host and database): one without an
// exporter, one exporting every span over OTLP (HTTP/protobuf, default batching) to a receiver in this process, as it
// would to Jaeger. Incidents run one at a time, alternating between the two, so that both see the same machine.
//
//   dotnet run -c Release --project tests/Agents.Tracing.Bench -- [runs=30]
//
// Needs what deploy/local/deps.sh env prints (RabbitMQ with management, PostgreSQL) and a Release build.
using System.Globalization;
using Agents.Contracts;
using Agents.EndToEnd.Tests;
using Agents.Testing;

var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
const int WarmUp = 3;
var alert = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "alertmanager-firing.json"));
var deploy = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "deploy-auth-service.json"));
const string SampleFingerprint = "a3f1c2d4e5b60718";


await using var receiver = await OtlpReceiver.Start();
await using var plain = await BenchSystem.Start("without exporter", new Dictionary<string, string>());
await using var traced = await BenchSystem.Start("with OTLP exporter", new Dictionary<string, string>
{
    ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
    ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
});

BenchSystem[] systems = [plain, traced];
foreach (var system in systems)
{
    await system.Publish(AgentQueues.DeploysExchange, deploy);
}

var times = systems.ToDictionary(s => s, _ => new List<double>());
for (var run = -WarmUp; run < runs; run++)
{
    foreach (var system in run % 2 == 0 ? systems : systems.Reverse())
    {
        var elapsed = await system.PublishToEnd(alert.Replace(SampleFingerprint, $"bench{Guid.NewGuid():N}"[..16], StringComparison.Ordinal));
        if (run >= 0)
        {
            times[system].Add(elapsed);
        }
    }
}

foreach (var system in systems)
{
    var sorted = times[system].Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"publish -> Resolved {system.Name,-19}: median {Median(sorted),4:0} ms, p90 {sorted[(int)(sorted.Count * 0.9)],4:0} ms, min {sorted[0],4:0} ms, max {sorted[^1],4:0} ms over {sorted.Count} incidents"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median ratio with/without exporter: {Median(times[traced].Order().ToList()) / Median(times[plain].Order().ToList()):0.00}"));

// What one incident's trace holds (the API's polling makes traces of its own, not counted here).
var lastTrace = await traced.LastTraceId();
var spans = await receiver.WaitFor(all => all.Count(s => s.TraceId == lastTrace && s.Name.StartsWith("agent ", StringComparison.Ordinal)) == 5
    && all.Any(s => s.TraceId == lastTrace && s.Name == "step notification")
    && all.Any(s => s.TraceId == lastTrace && s.ServiceName == "scheduler"), TimeSpan.FromSeconds(30));
var trace = spans.Where(s => s.TraceId == lastTrace).ToList();
Console.WriteLine($"one incident's trace: {trace.Count} spans; by service: "
    + string.Join(", ", trace.GroupBy(s => s.ServiceName).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))
    + "; by source: " + string.Join(", ", trace.GroupBy(s => s.Scope).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")));
if (Environment.GetEnvironmentVariable("BENCH_SPAN_NAMES") is "1")
{
    foreach (var group in trace.GroupBy(s => (s.ServiceName, s.Name)).OrderBy(g => g.Key))
    {
        Console.WriteLine($"  {group.Key.ServiceName,-14} {group.Count(),3} x {group.Key.Name}");
    }
}

static double Median(List<double> sorted) =>
    sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

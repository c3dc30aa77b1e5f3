// The cost of tracing on an incident: the time from publishing an alert to its incident's Resolved status, on two
// copies of the whole system running side by side (each with its own virtual host and database): one without an
// exporter, one exporting every span over OTLP (HTTP/protobuf, default batching) to a receiver in this process, as it
// would to Jaeger. Incidents run one at a time, alternating between the two, so that both see the same machine.
//
//   dotnet run -c Release --project tests/Agents.Tracing.Bench -- [runs=30]
//
// Needs what deploy/local/deps.sh env prints (RabbitMQ with management, PostgreSQL) and a Release build.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.EndToEnd.Tests;
using Agents.Testing;
using RabbitMQ.Client;

var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
const int WarmUp = 3;
var alert = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "alertmanager-firing.json"));
var deploy = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "deploy-auth-service.json"));
const string SampleFingerprint = "a3f1c2d4e5b60718";

var management = new HttpClient { BaseAddress = new Uri(TestEnvironment.ManagementUrl.TrimEnd('/') + "/") };
management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
    Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.ManagementUser}:{TestEnvironment.ManagementPassword}")));

await using var receiver = await OtlpReceiver.Start();
await using var plain = await BenchSystem.Start("without exporter", management, new Dictionary<string, string>());
await using var traced = await BenchSystem.Start("with OTLP exporter", management, new Dictionary<string, string>
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
        var elapsed = await system.PublishToResolved(alert.Replace(SampleFingerprint, $"bench{Guid.NewGuid():N}"[..16], StringComparison.Ordinal));
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

/// <summary>One copy of the whole system (one process per service) on a virtual host and database of its own.</summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    private static readonly string[] Services = ["scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<ServiceProcess> _processes = [];
    private HttpClient _management = null!;
    private FreshDatabase _database = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private HttpClient _api = null!;

    public required string Name { get; init; }

    public required string VirtualHost { get; init; }

    public static async Task<BenchSystem> Start(string name, HttpClient management, Dictionary<string, string> overrides)
    {
        var system = new BenchSystem { Name = name, VirtualHost = $"agents-bench-{Guid.NewGuid():N}"[..24], _management = management };
        (await management.PutAsync($"api/vhosts/{system.VirtualHost}", null)).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"api/permissions/{system.VirtualHost}/{TestEnvironment.ManagementUser}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        system._database = await FreshDatabase.Create("agents_bench_tracing");
        var environment = new Dictionary<string, string>(overrides)
        {
            ["RABBITMQ_URL"] = TestEnvironment.RabbitMqUrl,
            ["RABBITMQ_VHOST"] = system.VirtualHost,
            ["POSTGRES_CONNECTION"] = system._database.ConnectionString,
            ["Orchestrator__WorkflowPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"),
            ["Remediation__CatalogPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "runbooks.yaml"),
            ["Notification__SinkPath"] = Path.Combine(Path.GetTempPath(), $"agents-bench-{Guid.NewGuid():N}.jsonl"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        system._processes.AddRange(Services.Select(s => ServiceProcess.Start(s, environment)));
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
        {
            await Task.WhenAll(system._processes.Select(p => p.WaitReady(http, TimeSpan.FromSeconds(90))));
        }

        system._api = new HttpClient { BaseAddress = system._processes.Single(p => p.Name == "api").BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        system._connection = await new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMqUrl), VirtualHost = system.VirtualHost }.CreateConnectionAsync();
        system._channel = await system._connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        return system;
    }

    public async Task Publish(string exchange, string body) =>
        await _channel.BasicPublishAsync(exchange, "bench", false, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(body));

    /// <summary>Publishes the alert and answers the milliseconds from just before the publish to the incident's last update.</summary>
    public async Task<double> PublishToResolved(string alertJson)
    {
        var fingerprint = JsonDocument.Parse(alertJson).RootElement.GetProperty("alerts")[0].GetProperty("fingerprint").GetString()!;
        _lastFingerprint = fingerprint;
        var published = DateTimeOffset.UtcNow;
        await Publish(AgentQueues.AlertsExchange, alertJson);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var list = await _api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
            if (list is [var incident, ..] && IncidentStatuses.Terminal.Contains(incident.Status))
            {
                return incident.Status == IncidentStatuses.Resolved
                    ? (incident.UpdatedAt - published).TotalMilliseconds
                    : throw new InvalidOperationException($"{Name}: incident {fingerprint} ended {incident.Status}, not Resolved");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{Name}: incident {fingerprint} did not end within 30 s");
    }

    private string? _lastFingerprint;

    /// <summary>The trace id of the last incident this system ran.</summary>
    public async Task<string> LastTraceId()
    {
        var list = await _api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={_lastFingerprint}", Json);
        var details = await _api.GetFromJsonAsync<IncidentDetails>($"incidents/{list![0].IncidentId}", Json);
        return details!.TraceId ?? throw new InvalidOperationException("the incident has no trace id");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _connection.CloseAsync();
        _connection.Dispose();
        _api.Dispose();
        await _management.DeleteAsync($"api/vhosts/{VirtualHost}");
        await _database.DisposeAsync();
    }
}

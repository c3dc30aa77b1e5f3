using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.EndToEnd.Tests;
using RabbitMQ.Client;

namespace Agents.Testing;

/// <summary>
/// One copy of the whole system for a benchmark (one process per service, or several of one) on a virtual host and
/// database of its own, fed through RabbitMQ and read back through the API. Compiled into each benchmark that needs it.
/// </summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    public static readonly string[] AllServices = ["scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The admin key of this run's API (only its hash is configured).</summary>
    private static readonly string ApiKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    private readonly List<ServiceProcess> _processes = [];
    private HttpClient _management = null!;
    private FreshDatabase _database = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private HttpClient _api = null!;

    public required string Name { get; init; }

    /// <summary>The run's database (the store, for benchmarks that read it directly).</summary>
    public string DatabaseConnection => _database.ConnectionString;

    public required string VirtualHost { get; init; }

    private Dictionary<string, string> _environment = [];

    /// <summary>Starts <paramref name="services"/> (default: all, once each) with <paramref name="overrides"/> on top of the usual settings.</summary>
    public static async Task<BenchSystem> Start(
        string name, Dictionary<string, string> overrides, IReadOnlyList<string>? services = null)
    {
        var management = new HttpClient { BaseAddress = new Uri(TestEnvironment.ManagementUrl.TrimEnd('/') + "/") };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.ManagementUser}:{TestEnvironment.ManagementPassword}")));
        var system = new BenchSystem { Name = name, VirtualHost = $"agents-bench-{Guid.NewGuid():N}"[..24], _management = management };
        (await management.PutAsync($"api/vhosts/{system.VirtualHost}", null)).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"api/permissions/{system.VirtualHost}/{TestEnvironment.ManagementUser}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        system._database = await FreshDatabase.Create("agents_bench");
        var environment = new Dictionary<string, string>(overrides)
        {
            ["RABBITMQ_URL"] = TestEnvironment.RabbitMqUrl,
            ["RABBITMQ_VHOST"] = system.VirtualHost,
            ["POSTGRES_CONNECTION"] = system._database.ConnectionString,
            ["Orchestrator__WorkflowPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"),
            ["Remediation__CatalogPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "runbooks.yaml"),
            ["Notification__SinkPath"] = Path.Combine(Path.GetTempPath(), $"agents-bench-{Guid.NewGuid():N}.jsonl"),
            ["Logging__LogLevel__Default"] = "Warning",
            // The benchmark reads the API as an admin with a key made for this run; its polling is not what is measured,
            // so the key's rate limit is out of the way.
            ["Auth__ApiKeys__bench__Hash"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey))),
            ["Auth__ApiKeys__bench__Role"] = "admin",
            ["Auth__ApiKeys__bench__PermitsPerSecond"] = "100000",
            ["Auth__ApiKeys__bench__Burst"] = "100000",
        };
        system._environment = environment;
        await system.StartProcesses(services ?? AllServices, new Dictionary<string, string>());

        system._api = new HttpClient { BaseAddress = system._processes.Single(p => p.Name == "api").BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        system._api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        system._connection = await new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMqUrl), VirtualHost = system.VirtualHost }.CreateConnectionAsync();
        system._channel = await system._connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        return system;
    }

    /// <summary>Starts processes of <paramref name="services"/> with <paramref name="extra"/> settings and waits until they are ready.</summary>
    public async Task StartProcesses(IEnumerable<string> services, IReadOnlyDictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        var started = services.Select(s => ServiceProcess.Start(s, environment)).ToList();
        _processes.AddRange(started);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Task.WhenAll(started.Select(p => p.WaitReady(http, TimeSpan.FromSeconds(90))));
    }

    /// <summary>Stops (SIGTERM) every process of <paramref name="service"/>.</summary>
    public async Task StopProcesses(string service)
    {
        foreach (var process in _processes.Where(p => p.Name == service).ToList())
        {
            await process.Terminate(TimeSpan.FromSeconds(60));
            await process.DisposeAsync();
            _processes.Remove(process);
        }
    }

    /// <summary>The processor time each service's running processes have used so far, by service name.</summary>
    public IReadOnlyDictionary<string, TimeSpan> ProcessorTimes() =>
        _processes.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.ProcessorTime));

    /// <summary>The addresses of the running processes of <paramref name="service"/>.</summary>
    public IReadOnlyList<Uri> Addresses(string service) => _processes.Where(p => p.Name == service).Select(p => p.BaseAddress).ToList();

    /// <summary>Waits until every incident of <paramref name="fingerprints"/> has ended; answers their details.</summary>
    public async Task<List<IncidentDetails>> WaitAllEnded(IReadOnlyCollection<string> fingerprints, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var ended = new Dictionary<string, IncidentDetails>();
        while (deadline.Elapsed < timeout)
        {
            foreach (var fingerprint in fingerprints.Where(f => !ended.ContainsKey(f)))
            {
                var list = await _api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
                if (list is [var incident, ..] && IncidentStatuses.Terminal.Contains(incident.Status))
                {
                    ended[fingerprint] = (await _api.GetFromJsonAsync<IncidentDetails>($"incidents/{incident.IncidentId}", Json))!;
                }
            }

            if (ended.Count == fingerprints.Count)
            {
                return [.. ended.Values];
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name}: {fingerprints.Count - ended.Count} of {fingerprints.Count} incidents did not end within {timeout}");
    }

    public async Task Publish(string exchange, string body) =>
        await _channel.BasicPublishAsync(exchange, "bench", false, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(body));

    /// <summary>
    /// Publishes the alert and answers the milliseconds from just before the publish to the incident's last update, once it
    /// ran every step: Resolved, or (the default dry-run mode) Escalated for a human to carry the remediation out.
    /// </summary>
    public async Task<double> PublishToEnd(string alertJson)
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
                return incident.Status is IncidentStatuses.Resolved or IncidentStatuses.Escalated
                    ? (incident.UpdatedAt - published).TotalMilliseconds
                    : throw new InvalidOperationException($"{Name}: incident {fingerprint} ended {incident.Status}, not Resolved or handed over");
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
        _management.Dispose();
        await _database.DisposeAsync();
    }
}

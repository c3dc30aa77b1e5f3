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
using Npgsql;
using RabbitMQ.Client;

namespace Agents.Chaos;

/// <summary>
/// The whole system for a chaos run, one process per service (two orchestrators), on the servers <c>deps.sh env</c>
/// names (the default virtual host: chaos.sh starts a RabbitMQ node of its own) and a database of its own; it kills
/// and restarts processes and servers, sends alerts to the ingress as Alertmanager would (again until accepted), and
/// reads what became of them from the store and the broker.
/// </summary>
internal sealed class ChaosSystem : IAsyncDisposable
{
    private static readonly string[] Services = ["scheduler", "orchestrator", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api", "ingress"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string IngressToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    private readonly List<ServiceProcess> _processes = [];
    private readonly Lock _gate = new();
    private readonly HttpClient _management;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _deps;
    private Dictionary<string, string> _environment = [];
    private FreshDatabase _database = null!;
    private int _ingressRetries;

    private ChaosSystem(string deps)
    {
        _deps = deps;
        _management = new HttpClient { BaseAddress = new Uri(TestEnvironment.ManagementUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.ManagementUser}:{TestEnvironment.ManagementPassword}")));
    }

    public int ProcessCount => _processes.Count;

    public string DatabaseName => new NpgsqlConnectionStringBuilder(_database.ConnectionString).Database!;

    /// <summary>Alerts sent again because the ingress (or the broker behind it) did not accept them.</summary>
    public int IngressRetries => Volatile.Read(ref _ingressRetries);

    public static async Task<ChaosSystem> Start(ChaosWorld world, string deps)
    {
        var system = new ChaosSystem(deps);
        // The node is the chaos run's own and keeps its data between runs: what an earlier run left in its queues (its
        // error queues above all) must not be counted as this run's.
        await system.DeleteQueues();
        system._database = await FreshDatabase.Create("agents_chaos");
        var apiKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        system._environment = new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = TestEnvironment.RabbitMqUrl,
            ["RABBITMQ_VHOST"] = "/",
            ["POSTGRES_CONNECTION"] = system._database.ConnectionString,
            ["Orchestrator__WorkflowPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"),
            ["Remediation__CatalogPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "runbooks.yaml"),
            ["Catalog__Path"] = world.CatalogPath,
            ["Remediation__Kubernetes__Url"] = world.Kubernetes.Url.ToString(),
            ["Remediation__Kubernetes__Token"] = world.Kubernetes.Token,
            ["Remediation__Prometheus__Url"] = world.Prometheus.Address.ToString(),
            ["Notification__SinkPath"] = Path.Combine(Path.GetTempPath(), $"agents-chaos-{Guid.NewGuid():N}.jsonl"),
            ["Notification__Channels__PagerDuty__BaseUrl"] = world.PagerDuty.BaseUrl.ToString(),
            ["Notification__Channels__PagerDuty__RoutingKey"] = FakePagerDutyEvents.RoutingKey,
            ["Ingress__Sources__alertmanager__Token"] = IngressToken,
            ["Ingress__Sources__alertmanager__PermitsPerSecond"] = "100000",
            ["Ingress__Sources__alertmanager__Burst"] = "100000",
            // The API is only asked whether it is ready; it still needs someone who may sign in.
            ["Auth__ApiKeys__chaos__Hash"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(apiKey))),
            ["Auth__ApiKeys__chaos__Role"] = "admin",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var service in Services)
        {
            system._processes.Add(ServiceProcess.Start(service, system._environment));
        }

        await system.WaitAllReady(TimeSpan.FromSeconds(180));
        return system;
    }

    /// <summary>Deletes every queue of the node's default virtual host (the services declare theirs again when they start).</summary>
    private async Task DeleteQueues()
    {
        var queues = await _management.GetFromJsonAsync<List<JsonElement>>("api/queues/%2F", Json) ?? [];
        var left = 0L;
        foreach (var queue in queues)
        {
            left += queue.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number ? messages.GetInt64() : 0;
            using var deleted = await _management.DeleteAsync($"api/queues/%2F/{Uri.EscapeDataString(queue.GetProperty("name").GetString()!)}");
            deleted.EnsureSuccessStatusCode();
        }

        if (queues.Count > 0)
        {
            Console.WriteLine($"deleted {queues.Count} queue(s) an earlier run left on this node, with {left} message(s) in them");
        }
    }

    /// <summary>Publishes a deploy event per service (v1.0.0 → v1.1.0 at <paramref name="at"/>) and waits until the context agent consumed them.</summary>
    public async Task PublishDeploys(IReadOnlyList<string> services, DateTimeOffset at)
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMqUrl) };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            foreach (var service in services)
            {
                var body = JsonSerializer.Serialize(new { service, version = "v1.1.0", previous_version = "v1.0.0", deployed_at = at, environment = "production" });
                await channel.BasicPublishAsync(AgentQueues.DeploysExchange, "chaos", false, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(body));
            }
        }

        var deadline = Stopwatch.StartNew();
        while (await Acknowledged(AgentQueues.DeployEvents) < services.Count)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException($"the context agent consumed {await Acknowledged(AgentQueues.DeployEvents)} of {services.Count} deploy events in 3 minutes");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Sends one firing alert for <paramref name="service"/> to the ingress, again every 250 ms until it is accepted (as Alertmanager retries).</summary>
    public async Task SendAlert(string service, string fingerprint)
    {
        var body = JsonSerializer.Serialize(new
        {
            version = "4",
            groupKey = $"{{}}:{{service=\"{service}\"}}",
            truncatedAlerts = 0,
            status = "firing",
            receiver = "agents",
            groupLabels = new { service },
            commonLabels = new { alertname = "HighErrorRate", severity = "critical", service },
            commonAnnotations = new { },
            externalURL = "http://alertmanager.chaos:9093",
            alerts = new[]
            {
                new
                {
                    status = "firing",
                    labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = service, ["severity"] = "critical", ["error_rate"] = "0.2" },
                    annotations = new Dictionary<string, string> { ["summary"] = $"{service} 5xx error rate is 20%" },
                    startsAt = DateTimeOffset.UtcNow.AddMinutes(-1),
                    endsAt = "0001-01-01T00:00:00Z",
                    generatorURL = "http://prometheus.chaos:9090/graph",
                    fingerprint,
                },
            },
        });
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (Ingress() is { } ingress)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ingress, "/webhooks/alertmanager"))
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", IngressToken);
                    using var response = await _http.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // the ingress is being killed or restarted: send again
                }
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"the ingress did not accept the alert for {service} within 5 minutes");
            }

            Interlocked.Increment(ref _ingressRetries);
            await Task.Delay(250);
        }
    }

    private Uri? Ingress()
    {
        lock (_gate)
        {
            try
            {
                return _processes.FirstOrDefault(p => p.Name == "ingress" && !p.HasExited) is { } ingress ? ingress.BaseAddress : null;
            }
            catch (InvalidOperationException)
            {
                // a restarted ingress that has not said where it listens yet
                return null;
            }
        }
    }

    /// <summary>
    /// One fault: <c>orchestrator#N</c> kills the Nth orchestrator, a service name every process of it, with SIGKILL, then
    /// starts it again; <c>rabbitmq</c> and <c>postgres</c> kill the server's main process with SIGKILL and start it
    /// again through deps.sh. Returns once every process is ready again.
    /// </summary>
    public async Task Fault(string fault)
    {
        switch (fault)
        {
            case "rabbitmq" or "postgres":
                var pid = int.Parse((await Deps("pid", fault)).Trim(), CultureInfo.InvariantCulture);
                using (var server = Process.GetProcessById(pid))
                {
                    server.Kill();
                }

                // Started again only once it is gone: deps.sh would take a dying server for one still starting.
                await WaitGone(pid, TimeSpan.FromSeconds(60));
                await Deps("up", fault);
                break;
            default:
                var name = fault.Split('#')[0];
                List<ServiceProcess> victims;
                lock (_gate)
                {
                    var all = _processes.Where(p => p.Name == name).ToList();
                    victims = fault.Contains('#') ? [all[int.Parse(fault.Split('#')[1], CultureInfo.InvariantCulture)]] : all;
                    foreach (var victim in victims)
                    {
                        _processes.Remove(victim);
                    }
                }

                foreach (var victim in victims)
                {
                    await victim.DisposeAsync(); // SIGKILL
                    var restarted = ServiceProcess.Start(name, _environment);
                    lock (_gate)
                    {
                        _processes.Add(restarted);
                    }
                }

                break;
        }

        await WaitAllReady(TimeSpan.FromSeconds(180));
    }

    /// <summary>Waits until no process <paramref name="pid"/> is left (not even a zombie waiting for its parent).</summary>
    private static async Task WaitGone(int pid, TimeSpan timeout)
    {
        static bool Alive(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
            }
            catch (IOException)
            {
                return false;
            }
        }

        var deadline = Stopwatch.StartNew();
        while (Alive(pid))
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"process {pid} was still there {timeout} after SIGKILL");
            }

            await Task.Delay(100);
        }
    }

    private async Task WaitAllReady(TimeSpan timeout)
    {
        List<ServiceProcess> processes;
        lock (_gate)
        {
            processes = [.. _processes];
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Task.WhenAll(processes.Select(p => p.WaitReady(http, timeout)));
    }

    /// <summary>The latest incident of each fingerprint once all have ended, or when <paramref name="timeout"/> passed; null for none.</summary>
    public async Task<Dictionary<string, IncidentState?>> WaitEnded(IReadOnlyList<string> fingerprints, TimeSpan timeout, Action<string> progress)
    {
        var deadline = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var found = fingerprints.ToDictionary(f => f, _ => (IncidentState?)null);
        while (true)
        {
            try
            {
                found = await Incidents(fingerprints);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // the database is coming back: ask again
            }

            var ended = found.Values.Count(s => s is not null && IncidentStatuses.Terminal.Contains(s.Status));
            if (ended == fingerprints.Count || deadline.Elapsed > timeout)
            {
                return found;
            }

            if (deadline.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = deadline.Elapsed;
                var open = found.Values.Where(s => s is not null && !IncidentStatuses.Terminal.Contains(s.Status))
                    .GroupBy(s => s!.Status).Select(g => $"{g.Count()} {g.Key}");
                progress($"{ended} of {fingerprints.Count} incidents ended; in flight: {string.Join(", ", open)}; no incident yet: {found.Values.Count(s => s is null)}");
            }

            await Task.Delay(1000);
        }
    }

    internal sealed record IncidentState(string Status, string? Reason, string Step, int Attempt, int Count);

    private async Task<Dictionary<string, IncidentState?>> Incidents(IReadOnlyList<string> fingerprints)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT fingerprint, status, escalation_reason, current_step, step_attempt, count(*) OVER (PARTITION BY fingerprint)
            FROM orchestrator.incidents WHERE fingerprint = ANY(@fingerprints) ORDER BY created_at
            """, connection);
        command.Parameters.AddWithValue("fingerprints", fingerprints.ToArray());
        var found = fingerprints.ToDictionary(f => f, _ => (IncidentState?)null);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetString(0)] = new IncidentState(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3), reader.GetInt32(4), (int)reader.GetInt64(5));
        }

        return found;
    }

    /// <summary>
    /// The incidents of each fingerprint that has more than one: id, created, status, is_open, and the first timeline
    /// entries (which message opened each) — what is needed to tell why one alert opened two incidents.
    /// </summary>
    public async Task<List<string>> DuplicateIncidents(IReadOnlyList<string> fingerprints)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT fingerprint, incident_id, created_at, updated_at, status, is_open, alert_count,
                   (SELECT string_agg((e->>'event') || ' @' || (e->>'at'), '; ') FROM (SELECT jsonb_array_elements(timeline) e LIMIT 4) t)
            FROM orchestrator.incidents i
            WHERE fingerprint = ANY(@fingerprints)
              AND (SELECT count(*) FROM orchestrator.incidents j WHERE j.fingerprint = i.fingerprint) > 1
            ORDER BY fingerprint, created_at
            """, connection);
        command.Parameters.AddWithValue("fingerprints", fingerprints.ToArray());
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{reader.GetString(0)} {reader.GetGuid(1)} created {reader.GetFieldValue<DateTimeOffset>(2):HH:mm:ss.fff} updated {reader.GetFieldValue<DateTimeOffset>(3):HH:mm:ss.fff} {reader.GetString(4)} open={reader.GetBoolean(5)} alerts={reader.GetInt32(6)}: {(reader.IsDBNull(7) ? "" : reader.GetString(7))}"));
        }

        return lines;
    }

    /// <summary>The execution ledger's rows: how many, and how many per status.</summary>
    public async Task<(long Total, string Detail)> LedgerCounts()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status, count(*) FROM remediation.executions GROUP BY status ORDER BY 2 DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var (total, parts) = (0L, new List<string>());
        while (await reader.ReadAsync())
        {
            total += reader.GetInt64(1);
            parts.Add($"{reader.GetInt64(1)} {reader.GetString(0)}");
        }

        return (total, parts.Count == 0 ? "none" : string.Join(", ", parts));
    }

    internal sealed record ErrorQueue(string Name, List<string> Messages);

    /// <summary>Every error queue holding messages, each message as "type: exception: reason" (read and left in place).</summary>
    public async Task<List<ErrorQueue>> ErrorQueues()
    {
        var queues = await _management.GetFromJsonAsync<List<JsonElement>>("api/queues/%2F?columns=name,messages", Json) ?? [];
        var result = new List<ErrorQueue>();
        foreach (var queue in queues)
        {
            var name = queue.GetProperty("name").GetString()!;
            if (!name.EndsWith("_error", StringComparison.Ordinal) || !queue.TryGetProperty("messages", out var count) || count.GetInt32() == 0)
            {
                continue;
            }

            using var response = await _management.PostAsJsonAsync($"api/queues/%2F/{Uri.EscapeDataString(name)}/get",
                new { count = 1000, ackmode = "ack_requeue_true", encoding = "auto", truncate = 100_000 });
            response.EnsureSuccessStatusCode();
            var messages = await response.Content.ReadFromJsonAsync<List<JsonElement>>(Json) ?? [];
            result.Add(new ErrorQueue(name, messages.Select(Explain).ToList()));
        }

        return result;
    }

    private static string Explain(JsonElement message)
    {
        var headers = message.GetProperty("properties").TryGetProperty("headers", out var h) ? h : default;
        string Header(string name) => headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(name, out var v) ? v.ToString() : "?";
        var type = "?";
        try
        {
            using var body = JsonDocument.Parse(message.GetProperty("payload").GetString()!);
            if (body.RootElement.TryGetProperty("messageType", out var types) && types.GetArrayLength() > 0)
            {
                // urn:message:Agents.Contracts.Triage:TriageIncident, or urn:message:MassTransit:Fault[[Agents.Contracts.Notification:NotifyIncident]]
                var urn = types[0].GetString()!;
                type = urn.Contains("Fault[[", StringComparison.Ordinal) ? $"Fault of {urn.Split(':')[^1].TrimEnd(']')}" : urn.Split(':')[^1];
            }
        }
        catch (JsonException)
        {
            type = "raw";
        }

        var reason = Header("MT-Fault-Message");
        return $"{type}: {Header("MT-Fault-ExceptionType").Split('.')[^1]}: {(reason.Length > 160 ? reason[..160] + "…" : reason)}";
    }

    private async Task<long> Acknowledged(string queue)
    {
        var stats = await _management.GetFromJsonAsync<JsonElement>($"api/queues/%2F/{queue}");
        return stats.TryGetProperty("message_stats", out var s) && s.TryGetProperty("ack", out var ack) && ack.ValueKind == JsonValueKind.Number ? ack.GetInt64() : 0;
    }

    private Task<string> Deps(params string[] arguments) => Run(_deps, arguments);

    private static async Task<string> Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await errors}");
        }

        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _http.Dispose();
        _management.Dispose();
        NpgsqlConnection.ClearAllPools();
        await _database.DisposeAsync();
    }
}

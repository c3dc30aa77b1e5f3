using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The whole system on the real local RabbitMQ and PostgreSQL: every service in its own process, on a
/// RabbitMQ virtual host and a database of its own that are removed afterwards. Two orchestrators share the
/// incident queue and the store, as in a deployment that runs two for availability; they start together on
/// the empty database, so their migrations race too.
/// </summary>
public class SystemFixture : IAsyncLifetime
{
    public static readonly string[] AllServices = ["scheduler", "orchestrator", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api", "change-freeze"];

    private readonly string[] _services;
    private readonly IReadOnlyDictionary<string, string> _overrides;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> _serviceOverrides;

    public SystemFixture()
        : this(AllServices, new Dictionary<string, string>())
    {
    }

    /// <summary>
    /// A system of only <paramref name="services"/>, with <paramref name="overrides"/> on top of the usual environment,
    /// and <paramref name="serviceOverrides"/> on top of that for the named services only.
    /// </summary>
    protected SystemFixture(
        string[] services,
        IReadOnlyDictionary<string, string> overrides,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? serviceOverrides = null)
    {
        _services = services;
        _overrides = overrides;
        _serviceOverrides = serviceOverrides ?? new Dictionary<string, IReadOnlyDictionary<string, string>>();
    }

    private readonly List<ServiceProcess> _processes = [];
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private IConnection? _connection;

    public string VirtualHost => $"agents-e2e-{_id}";

    private FreshDatabase? _database;
    private Dictionary<string, string> _environment = [];

    /// <summary>The store's database, for tests that look at it directly.</summary>
    public string DatabaseConnection => _database?.ConnectionString ?? throw new InvalidOperationException("not started");

    public string NotificationSink { get; } = Path.Combine(Path.GetTempPath(), $"agents-e2e-{Guid.NewGuid():N}", "notifications.jsonl");

    public HttpClient Api { get; private set; } = null!;

    public HttpClient Management { get; } = CreateManagementClient();

    public IConnection Broker => _connection ?? throw new InvalidOperationException("not started");

    /// <summary>The Jaeger address the API's trace links are built from.</summary>
    public const string JaegerUrl = "http://jaeger.e2e.test:16686/";

    /// <summary>Where every service exports its spans (OTLP over HTTP), as it would to Jaeger.</summary>
    internal OtlpReceiver Telemetry { get; private set; } = null!;

    /// <summary>The audience the API accepts OIDC tokens for.</summary>
    public const string ApiAudience = "agents-api";

    /// <summary>The identity provider the API trusts (<c>Auth__Jwt__Authority</c>).</summary>
    internal FakeOidcIssuer Oidc { get; private set; } = null!;

    /// <summary>The service whose telemetry the fixture's real Prometheus holds (not in the service catalog: the default entry's queries).</summary>
    public const string EvidenceService = "orders-evidence";

    /// <summary>
    /// A real Prometheus the context agent asks (<c>Context__Sources__Prometheus__Url</c>), over history written when the
    /// fixture started: <see cref="EvidenceService"/>'s error ratio steps from 0.5% to 20% at <see cref="EvidenceStep"/>.
    /// Every other service has no series there, so their incidents rest on the alert's readings as before.
    /// </summary>
    internal PrometheusHistory Prometheus { get; private set; } = null!;

    /// <summary>The Slack the notification agent posts to.</summary>
    internal FakeSlack Slack { get; private set; } = null!;

    /// <summary>The PagerDuty Events API the notification agent pages through.</summary>
    internal FakePagerDutyEvents PagerDuty { get; private set; } = null!;

    /// <summary>The Jira the notification agent files escalations in.</summary>
    internal FakeJira Jira { get; private set; } = null!;

    /// <summary>When <see cref="EvidenceService"/>'s error ratio stepped up: 8 minutes before the fixture started.</summary>
    public DateTimeOffset EvidenceStep { get; } = DateTimeOffset.UtcNow.AddMinutes(-8);

    /// <summary>One API key per role, made for this system; the key's name in the audit trail is <c>apikey:e2e-&lt;role&gt;</c>.</summary>
    public IReadOnlyDictionary<string, string> ApiKeys { get; } = new[] { "viewer", "operator", "admin", "claims-reviewer", "flood" }
        .ToDictionary(role => role, _ => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));

    /// <summary>The flood key (a viewer) has a rate of its own: 2 requests a second, 5 at once.</summary>
    public const int FloodBurst = 5;

    private readonly Dictionary<string, HttpClient> _roleClients = [];

    /// <summary>A client that calls the API with <paramref name="role"/>'s key (Authorization: Bearer), or with none for null.</summary>
    public HttpClient ApiAs(string? role)
    {
        lock (_roleClients)
        {
            if (!_roleClients.TryGetValue(role ?? "", out var client))
            {
                client = ApiWith(role is null ? null : ApiKeys[role]);
                _roleClients[role ?? ""] = client;
            }

            return client;
        }
    }

    /// <summary>A new client that sends <paramref name="bearer"/> (an API key or a token) as <c>Authorization: Bearer</c>.</summary>
    public HttpClient ApiWith(string? bearer)
    {
        var client = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    private static string HashOf(string key) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task InitializeAsync()
    {
        await CreateVirtualHost();
        _database = await FreshDatabase.Create("agents_e2e");
        Telemetry = await OtlpReceiver.Start();
        Oidc = await FakeOidcIssuer.Start();
        Slack = await FakeSlack.Start();
        PagerDuty = await FakePagerDutyEvents.Start();
        Jira = await FakeJira.Start();
        Prometheus = await PrometheusHistory.Start([PrometheusHistory.ServiceHistory.ErrorStep(EvidenceService, 0.005, 0.2, EvidenceStep)]);
        var environment = _environment = new Dictionary<string, string>
        {
            ["Context__Sources__Prometheus__Url"] = Prometheus.Address.ToString(),
            ["Auth__Jwt__Authority"] = Oidc.Issuer,
            ["Auth__Jwt__Audience"] = ApiAudience,
            ["Auth__Jwt__RequireHttpsMetadata"] = "false",
            ["Auth__ApiKeys__e2e-flood__PermitsPerSecond"] = "2",
            ["Auth__ApiKeys__e2e-flood__Burst"] = FloodBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The tests poll the API many times a second; the production default (20/s) is for people and scripts.
            ["Api__RateLimitPerSecond"] = "1000",
            ["Api__RateLimitBurst"] = "2000",
            ["Api__AnonymousRateLimitPerSecond"] = "1000",
            ["Api__AnonymousRateLimitBurst"] = "2000",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Telemetry.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Api__JaegerUrl"] = JaegerUrl,
            // While another fixture starts a dozen processes on two cores, the orchestrator can take longer than the
            // production default (5 s) to answer a query; the tests' one-shot API calls must not fail on that.
            ["Api__OrchestratorTimeout"] = "00:00:20",
            ["RABBITMQ_URL"] = TestEnvironment.RabbitMqUrl,
            ["RABBITMQ_VHOST"] = VirtualHost,
            ["POSTGRES_CONNECTION"] = _database.ConnectionString,
            ["Orchestrator__WorkflowPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"),
            ["Remediation__CatalogPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "runbooks.yaml"),
            ["Notification__SinkPath"] = NotificationSink,
            // The notification agent's channels, at local fakes that speak the providers' APIs.
            ["Notification__JaegerUrl"] = JaegerUrl,
            ["Notification__IncidentBaseUrl"] = "http://agents.e2e.test/",
            ["Notification__Channels__Slack__BaseUrl"] = Slack.BaseUrl,
            ["Notification__Channels__Slack__Token"] = FakeSlack.Token,
            ["Notification__Channels__Slack__Channel"] = FakeSlack.IncidentsChannelId,
            ["Notification__Channels__PagerDuty__BaseUrl"] = PagerDuty.BaseUrl.ToString(),
            ["Notification__Channels__PagerDuty__RoutingKey"] = FakePagerDutyEvents.RoutingKey,
            ["Notification__Channels__Jira__BaseUrl"] = Jira.BaseUrl.ToString(),
            ["Notification__Channels__Jira__User"] = FakeJira.User,
            ["Notification__Channels__Jira__ApiToken"] = FakeJira.ApiToken,
            ["Notification__Channels__Jira__Project"] = FakeJira.Project,
        };
        foreach (var (role, key) in ApiKeys)
        {
            environment[$"Auth__ApiKeys__e2e-{role}__Hash"] = HashOf(key);
            environment[$"Auth__ApiKeys__e2e-{role}__Role"] = role == "flood" ? "viewer" : role;
        }

        foreach (var (key, value) in _overrides)
        {
            environment[key] = value;
        }

        foreach (var service in _services)
        {
            _processes.Add(ServiceProcess.Start(service, EnvironmentOf(service)));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Task.WhenAll(_processes.Select(p => p.WaitReady(http, TimeSpan.FromSeconds(90))));

        if (_processes.SingleOrDefault(p => p.Name == "api") is { } api)
        {
            Api = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            // The tests' own calls are an admin's; ApiAs(role) gives the other roles.
            Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKeys["admin"]);
        }

        var factory = new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMqUrl), VirtualHost = VirtualHost };
        _connection = await factory.CreateConnectionAsync("agents-e2e-tests");
    }

    private Dictionary<string, string> EnvironmentOf(string service)
    {
        var environment = new Dictionary<string, string>(_environment);
        if (_serviceOverrides.TryGetValue(service, out var overrides))
        {
            foreach (var (key, value) in overrides)
            {
                environment[key] = value;
            }
        }

        return environment;
    }

    /// <summary>Publishes raw bytes to an exchange the way a third-party producer would: no envelope, no content type.</summary>
    public async Task PublishRaw(string exchange, string body, string routingKey = "e2e", string? messageId = null)
    {
        await using var channel = await Broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, new BasicProperties { Persistent = true, MessageId = messageId }, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>
    /// Publishes a deploy event and waits until the context service has consumed it: deploy events and alerts
    /// travel different queues, and the alert must find the deploy in the log.
    /// </summary>
    public async Task PublishDeploy(string service, string version, string previousVersion, DateTimeOffset deployedAt)
    {
        var before = await Acknowledged(AgentQueues.DeployEvents);
        await PublishRaw(AgentQueues.DeploysExchange, JsonSerializer.Serialize(new
        {
            service,
            version,
            previous_version = previousVersion,
            deployed_at = deployedAt,
            environment = "production",
        }));
        await WaitUntil(async () => await Acknowledged(AgentQueues.DeployEvents) > before, "the deploy event to be consumed", TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Messages acknowledged on <paramref name="queueName"/> so far (the management API omits the figure until there is
    /// one; it lags by up to its statistics interval, never goes back). A consumer acknowledges after its work committed.
    /// </summary>
    public async Task<int> Acknowledged(string queueName)
    {
        var queue = await Management.GetFromJsonAsync<JsonElement>($"api/queues/{Uri.EscapeDataString(VirtualHost)}/{queueName}");
        return queue.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("ack", out var acked) && acked.ValueKind == JsonValueKind.Number
            ? acked.GetInt32()
            : 0;
    }

    /// <summary>Kills every process of <paramref name="service"/> at once (SIGKILL: no shutdown, no draining).</summary>
    public async Task Kill(string service)
    {
        foreach (var process in _processes.Where(p => p.Name == service).ToList())
        {
            await process.DisposeAsync();
            _processes.Remove(process);
        }
    }

    /// <summary>Sends SIGTERM to every process of <paramref name="service"/> and answers their exit codes once they exited.</summary>
    public async Task<int[]> Terminate(string service, TimeSpan timeout)
    {
        var stopping = _processes.Where(p => p.Name == service).ToList();
        var codes = await Task.WhenAll(stopping.Select(p => p.Terminate(timeout)));
        foreach (var process in stopping)
        {
            _stopped.Add(process);
            _processes.Remove(process);
        }

        return codes;
    }

    /// <summary>The output of processes stopped by <see cref="Terminate"/>, for failure messages.</summary>
    public string StoppedOutput => string.Join(Environment.NewLine, _stopped.Select(p => $"--- {p.Name} (stopped) ---{Environment.NewLine}{p.RecentOutput}"));

    private readonly List<ServiceProcess> _stopped = [];

    /// <summary>The addresses of the running processes of <paramref name="service"/> (for their <c>/metrics</c>).</summary>
    public IReadOnlyList<Uri> Addresses(string service) =>
        _processes.Where(p => p.Name == service && !p.HasExited).Select(p => p.BaseAddress).ToList();

    /// <summary>Starts <paramref name="count"/> processes of <paramref name="service"/> and waits until they are ready.</summary>
    public async Task Start(string service, int count = 1)
    {
        var started = Enumerable.Range(0, count).Select(_ => ServiceProcess.Start(service, EnvironmentOf(service))).ToList();
        _processes.AddRange(started);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Task.WhenAll(started.Select(p => p.WaitReady(http, TimeSpan.FromSeconds(90))));
    }

    /// <summary>
    /// Polls the API until the incident of <paramref name="fingerprint"/> satisfies <paramref name="condition"/>. A 503
    /// (the orchestrator did not answer the API in time, e.g. while a loaded machine starts three systems at once) is a
    /// poll that saw nothing yet; it is reported if the deadline passes.
    /// </summary>
    public async Task<IncidentDetails> WaitForIncident(string fingerprint, Func<IncidentDetails, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IncidentDetails? last = null;
        var unavailable = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var list = await Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}", Json);
                if (list is [var summary, ..])
                {
                    last = await Api.GetFromJsonAsync<IncidentDetails>($"incidents/{summary.IncidentId}", Json);
                    if (last is not null && condition(last))
                    {
                        return last;
                    }
                }
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                unavailable++;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"incident {fingerprint} did not reach {what} ({unavailable} poll(s) answered 503):{Environment.NewLine}"
            + $"{Describe(last)}{Environment.NewLine}{Diagnostics()}");
        throw new InvalidOperationException();
    }

    /// <summary>
    /// Asserts that <paramref name="incident"/> ran every step and was handed to a human because its service's remediation
    /// mode is the default, dry-run: Escalated, "human action required: dry run of …", with the remediation recorded.
    /// </summary>
    public static void AssertHandedOverAfterDryRun(IncidentDetails incident)
    {
        Assert.True(incident.Summary.Status == IncidentStatuses.Escalated
            && incident.EscalationReason?.StartsWith("human action required: dry run", StringComparison.Ordinal) == true,
            $"ended {incident.Summary.Status}: {incident.EscalationReason}");
        Assert.Equal(Agents.Contracts.Remediation.RemediationExecutions.DryRun, incident.Remediation?.Execution);
    }

    /// <summary>Messages waiting in the error queue <paramref name="queue"/> (0 when MassTransit never declared it).</summary>
    public async Task<long> ErrorQueueCount(string queue)
    {
        await using var channel = await Broker.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    /// <summary>Emergency pages the notification agent has written to its sink, for <paramref name="incidentId"/> or for any incident.</summary>
    public async Task<int> EmergencyPages(Guid? incidentId = null)
    {
        if (!File.Exists(NotificationSink))
        {
            return 0;
        }

        var lines = await File.ReadAllLinesAsync(NotificationSink);
        return lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Count(l => (incidentId is null || l.GetProperty("incidentId").GetGuid() == incidentId)
                && l.GetProperty("notification").GetProperty("kind").GetString() == "emergency");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with the services' output after <paramref name="timeout"/>.</summary>
    public Task WaitUntil(Func<Task<bool>> condition, string what, TimeSpan timeout) => WaitUntil(condition, () => what, timeout);

    /// <summary>As <see cref="WaitUntil(Func{Task{bool}}, string, TimeSpan)"/>, with what was awaited described when it failed (e.g. with the last value seen).</summary>
    public async Task WaitUntil(Func<Task<bool>> condition, Func<string> what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"timed out waiting for {what()}{Environment.NewLine}{Diagnostics()}");
    }

    /// <summary>
    /// Takes the message holding <paramref name="marker"/> off the error queue <paramref name="queue"/> (others are put back)
    /// and answers its body and the reason as an operator reads it (fault exception type and message headers).
    /// </summary>
    public async Task<(string Body, string Reason)> WaitForErrorQueueMessage(string queue, string marker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var channel = await Broker.CreateChannelAsync();
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                BasicGetResult? message;
                try
                {
                    message = await channel.BasicGetAsync(queue, autoAck: false);
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    // MassTransit declares an error queue when it moves the first message there; the 404 closed the channel.
                    await channel.DisposeAsync();
                    channel = await Broker.CreateChannelAsync();
                    await Task.Delay(100);
                    continue;
                }

                if (message is null)
                {
                    await Task.Delay(100);
                    continue;
                }

                var body = System.Text.Encoding.UTF8.GetString(message.Body.Span);
                if (!body.Contains(marker, StringComparison.Ordinal))
                {
                    await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true);
                    await Task.Delay(50);
                    continue;
                }

                await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
                // The reason as an operator reads it: exception type and message headers.
                return (body, $"{HeaderText(message.BasicProperties, "MT-Fault-ExceptionType")}: {HeaderText(message.BasicProperties, "MT-Fault-Message")}");
            }
        }
        finally
        {
            await channel.DisposeAsync();
        }

        Assert.Fail($"nothing with {marker} arrived in {queue}{Environment.NewLine}{Diagnostics()}");
        throw new InvalidOperationException();
    }

    private static string HeaderText(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true
            ? value switch { byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes), _ => value?.ToString() ?? "" }
            : "";

    /// <summary>An incident's timeline, one line per entry, for failure messages.</summary>
    private static string Describe(IncidentDetails? incident) =>
        incident is null
            ? "no incident"
            : string.Join(Environment.NewLine, incident.Timeline.Select(t => $"{t.At:O} {t.Step}#{t.Attempt} {t.Event}: {t.Detail}"));

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public string Diagnostics() =>
        string.Join(Environment.NewLine, _processes.Select(p => $"--- {p.Name}{(p.HasExited ? " (exited)" : "")} ---{Environment.NewLine}{p.RecentOutput}"));

    public async Task DisposeAsync()
    {
        foreach (var process in _processes.Concat(_stopped))
        {
            await process.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }

        Api?.Dispose();
        foreach (var client in _roleClients.Values)
        {
            client.Dispose();
        }

        if (Oidc is not null)
        {
            await Oidc.DisposeAsync();
        }

        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        foreach (var fake in new IAsyncDisposable?[] { Slack, PagerDuty, Jira })
        {
            if (fake is not null)
            {
                await fake.DisposeAsync();
            }
        }

        using (var deleted = await Management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(VirtualHost)}"))
        {
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (Telemetry is not null)
        {
            await Telemetry.DisposeAsync();
        }

        Management.Dispose();
    }

    private async Task CreateVirtualHost()
    {
        var vhost = Uri.EscapeDataString(VirtualHost);
        using var created = await Management.PutAsync($"api/vhosts/{vhost}", null);
        created.EnsureSuccessStatusCode();
        using var permitted = await Management.PutAsJsonAsync(
            $"api/permissions/{vhost}/{Uri.EscapeDataString(TestEnvironment.ManagementUser)}",
            new { configure = ".*", write = ".*", read = ".*" });
        permitted.EnsureSuccessStatusCode();
    }

    private static HttpClient CreateManagementClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(TestEnvironment.ManagementUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.ManagementUser}:{TestEnvironment.ManagementPassword}")));
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}

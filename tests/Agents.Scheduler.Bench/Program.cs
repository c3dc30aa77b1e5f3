// Timeout accuracy of the scheduler service: N messages scheduled through the `scheduler` queue (as MassTransit's
// ScheduleMessage) with due times spread over the next seconds, on a scheduler process of its own (virtual host and
// database of its own); for each, how late it was sent (MT-Quartz-Sent header) and received, against its due time.
//
//   dotnet run -c Release --project tests/Agents.Scheduler.Bench -- [messages=100] [nodes=1]
//
// Needs what deploy/local/deps.sh env prints (RabbitMQ with management, PostgreSQL) and a Release build.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Contracts;
using Agents.EndToEnd.Tests;
using Agents.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var nodes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
var rabbitUrl = TestEnvironment.RabbitMqUrl;
var management = new HttpClient { BaseAddress = new Uri(TestEnvironment.ManagementUrl.TrimEnd('/') + "/") };
management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
    Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.ManagementUser}:{TestEnvironment.ManagementPassword}")));

var vhost = $"agents-bench-{Guid.NewGuid():N}"[..24];
(await management.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
(await management.PutAsJsonAsync($"api/permissions/{vhost}/{TestEnvironment.ManagementUser}",
    new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
await using var database = await FreshDatabase.Create("agents_bench_scheduler");
var environment = new Dictionary<string, string>
{
    ["RABBITMQ_URL"] = rabbitUrl,
    ["RABBITMQ_VHOST"] = vhost,
    ["POSTGRES_CONNECTION"] = database.ConnectionString,
    ["Logging__LogLevel__Default"] = "Warning",
    // The scheduler sends only to the system's own queues and to those it is told of: the probe below.
    ["Scheduler__AllowedDestinations__0"] = "bench-probe",
};
var schedulers = Enumerable.Range(0, nodes).Select(_ => ServiceProcess.Start("scheduler", environment)).ToList();
try
{
    using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
    {
        await Task.WhenAll(schedulers.Select(s => s.WaitReady(http, TimeSpan.FromSeconds(60))));
    }

    await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitUrl), VirtualHost = vhost }.CreateConnectionAsync();
    await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
    const string probe = "bench-probe";
    await channel.QueueDeclareAsync(probe, durable: true, exclusive: false, autoDelete: false);
    var arrivals = new ConcurrentDictionary<string, (DateTimeOffset Received, DateTimeOffset? Sent, int Count)>();
    var consumer = new AsyncEventingBasicConsumer(channel);
    consumer.ReceivedAsync += (_, delivery) =>
    {
        var received = DateTimeOffset.UtcNow;
        var envelope = JsonNode.Parse(delivery.Body.Span)!;
        var id = envelope["message"]!["id"]!.GetValue<string>();
        var sent = envelope["headers"]?["MT-Quartz-Sent"]?.GetValue<string>() is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
        arrivals.AddOrUpdate(id, (received, sent, 1), (_, seen) => seen with { Count = seen.Count + 1 });
        return Task.CompletedTask;
    };
    await channel.BasicConsumeAsync(probe, autoAck: true, consumer);

    // Due times from 3 s to 13 s ahead, in order of scheduling, so that each one is stored well before it is due.
    var start = DateTimeOffset.UtcNow.AddSeconds(3);
    var due = Enumerable.Range(0, messages).ToDictionary(i => $"m{i}", i => start.AddMilliseconds(i * 10_000.0 / messages));
    foreach (var (id, at) in due)
    {
        await channel.BasicPublishAsync("", AgentQueues.Scheduler, mandatory: true,
            new BasicProperties { Persistent = true, ContentType = SchedulingWire.ContentType },
            SchedulingWire.Schedule(Guid.NewGuid(), at, probe, new JsonObject { ["id"] = id }));
    }

    var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
    while (arrivals.Count < messages && DateTimeOffset.UtcNow < deadline)
    {
        await Task.Delay(100);
    }

    var received = due.Keys.Where(arrivals.ContainsKey).Select(id => (arrivals[id].Received - due[id]).TotalMilliseconds).Order().ToList();
    var fired = due.Keys.Where(id => arrivals.TryGetValue(id, out var a) && a.Sent is not null)
        .Select(id => (arrivals[id].Sent!.Value - due[id]).TotalMilliseconds).Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{messages} timeouts on {nodes} scheduler node(s): {arrivals.Count} arrived, {arrivals.Values.Count(a => a.Count > 1)} more than once, {messages - arrivals.Count} missing"));
    Console.WriteLine(Describe("fired (MT-Quartz-Sent) - due", fired));
    Console.WriteLine(Describe("received by the consumer - due", received));
    return arrivals.Count == messages && arrivals.Values.All(a => a.Count == 1) ? 0 : 1;
}
finally
{
    foreach (var scheduler in schedulers)
    {
        await scheduler.DisposeAsync();
    }

    await management.DeleteAsync($"api/vhosts/{vhost}");
}

static string Describe(string what, List<double> ms) =>
    ms.Count == 0
        ? $"{what}: no data"
        : string.Create(CultureInfo.InvariantCulture,
            $"{what}: median {ms[ms.Count / 2]:0} ms, p95 {ms[(int)(ms.Count * 0.95)]:0} ms, max {ms[^1]:0} ms, min {ms[0]:0} ms");

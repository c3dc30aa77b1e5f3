using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Triage;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// Only an investigation agent, slowed down (3 s per decision, 4 at a time, 8 prefetched), on a virtual host of its
/// own: what a deployment's SIGTERM does to the work in hand.
/// </summary>
public sealed class ShutdownFixture() : SystemFixture([], new Dictionary<string, string>
{
    ["Agent__ThinkTime"] = "00:00:03",
    ["Messaging__ConcurrentMessageLimit"] = ShutdownTests.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Messaging__PrefetchCount"] = "8",
});

[CollectionDefinition(Name)]
public sealed class ShutdownCollection : ICollectionFixture<ShutdownFixture>
{
    public const string Name = "shutdown";
}

[Collection(ShutdownCollection.Name)]
public sealed class ShutdownTests(ShutdownFixture system, ITestOutputHelper output)
{
    public const int Concurrency = 4;

    /// <summary>Six rounds of the agent's concurrency (18 s of work): room for a slow first scrape before SIGTERM lands.</summary>
    private const int Commands = 24;
    private const string Replies = "shutdown-test-replies";

    /// <summary>MassTransit's gauge of consumes in progress (<c>messaging.masstransit.consume.active</c>, unit <c>{ea}</c>) as the Prometheus exporter names it.</summary>
    private const string ConsumesInProgress = "messaging_masstransit_consume_active_ea_total";

    [Fact]
    public async Task SIGTERM_finishes_the_work_in_hand_returns_the_rest_to_the_queue_and_loses_nothing()
    {
        await using var channel = await system.Broker.CreateChannelAsync();
        foreach (var reply in new[] { "IncidentInvestigated", "IncidentInvestigationFailed" })
        {
            var exchange = $"Agents.Contracts.Investigation:{reply}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueDeclareAsync(Replies, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(Replies, exchange, "");
        }

        await system.Start(AgentQueues.Investigation);
        var incidents = Enumerable.Range(0, Commands).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in incidents)
        {
            await channel.BasicPublishAsync("", AgentQueues.Investigation, false,
                new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" }, Command(id));
        }

        // The agent is in the middle of its first commands: as many consumes in progress as it may run at once (its own
        // MassTransit gauge). The queue's ready count is not enough: prefetched messages leave it before their consume
        // starts, and on a loaded machine a SIGTERM then catches fewer commands in hand than the test assumes.
        var inProgress = 0.0;
        var names = "";
        await system.WaitUntil(async () =>
        {
            PrometheusText metrics;
            try
            {
                metrics = await PrometheusText.Scrape(system.Addresses(AgentQueues.Investigation));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false; // a slow scrape on a loaded machine: try again
            }

            inProgress = metrics.Sum(ConsumesInProgress);
            names = string.Join(", ", metrics.Names.Where(n => n.Contains("masstransit", StringComparison.Ordinal)));
            return inProgress >= Concurrency;
        }, () => $"{Concurrency} consumes in progress in the agent (last seen {inProgress}; MassTransit series: {names})", TimeSpan.FromSeconds(30));
        var exitCodes = await system.Terminate(AgentQueues.Investigation, TimeSpan.FromSeconds(45));

        var answered = await Drain();
        var left = await Ready(AgentQueues.Investigation);
        var failed = await Ready($"{AgentQueues.Investigation}_error");
        var summary = $"answered {answered.Count}, left in the queue {left}, dead-lettered {failed}{Environment.NewLine}{system.StoppedOutput}";
        output.WriteLine($"after SIGTERM: {Commands} commands, answered {answered.Count}, back in the queue {left}, dead-lettered {failed}, exit code {string.Join(", ", exitCodes)}");
        Assert.True(exitCodes is [0], $"exit codes {string.Join(", ", exitCodes)}; {summary}");
        Assert.True(answered.Count >= Concurrency, $"the commands in hand were not finished: {summary}");
        Assert.True(answered.Count < Commands, $"everything finished before the SIGTERM landed: the test proved nothing; {summary}");
        Assert.Equal(0u, failed);
        Assert.Equal(Commands, answered.Count + (int)left);

        // What went back to the queue is done by the next process: every command answered exactly once.
        await system.Start(AgentQueues.Investigation);
        var all = new List<Guid>(answered);
        await system.WaitUntil(async () =>
        {
            all.AddRange(await Drain());
            return all.Count >= Commands;
        }, "the returned commands to be answered after a restart", TimeSpan.FromSeconds(60));
        Assert.Equal(incidents.Order(), all.Order());
    }

    /// <summary>The incident ids of the replies received so far (each taken off the probe queue).</summary>
    private async Task<List<Guid>> Drain()
    {
        await using var channel = await system.Broker.CreateChannelAsync();
        var ids = new List<Guid>();
        while (await channel.BasicGetAsync(Replies, autoAck: true) is { } delivery)
        {
            var envelope = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!;
            ids.Add(envelope["message"]!["incidentId"]!.GetValue<Guid>());
        }

        return ids;
    }

    /// <summary>Messages ready in <paramref name="queue"/> (0 when it does not exist).</summary>
    private async Task<uint> Ready(string queue)
    {
        await using var channel = await system.Broker.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }

    private static byte[] Command(Guid incidentId)
    {
        var now = DateTimeOffset.UtcNow;
        var command = new InvestigateIncident
        {
            IncidentId = incidentId,
            Attempt = 1,
            Triage = new TriageResult
            {
                Severity = Severities.Critical, Service = "shutdown-svc", ErrorType = "error-rate", OccurredAt = now.AddMinutes(-1),
                Summary = "5xx error rate is 23%", Rationale = "test",
            },
            Context = new IncidentContext { Service = "shutdown-svc", WindowStart = now.AddHours(-2), WindowEnd = now },
        };
        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["messageId"] = Guid.NewGuid(),
            ["messageType"] = new JsonArray("urn:message:Agents.Contracts.Investigation:InvestigateIncident"),
            ["message"] = JsonSerializer.SerializeToNode(command, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            ["sentTime"] = DateTime.UtcNow,
            ["headers"] = new JsonObject(),
        }.ToJsonString());
    }
}

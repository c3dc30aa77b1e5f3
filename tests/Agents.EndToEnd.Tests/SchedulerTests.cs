using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Agents.Contracts;
using Agents.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// Two scheduler nodes (a Quartz cluster on one database) on a virtual host of their own, and nothing else. The tests
/// schedule to probe queues of their own (<c>e2e-probe-&lt;guid&gt;</c>), which the scheduler is told to allow: it
/// sends only to this system's queues.
/// </summary>
public sealed class SchedulerFixture() : SystemFixture(
    ["scheduler", "scheduler"],
    new Dictionary<string, string> { ["Scheduler__AllowedDestinationPrefixes__0"] = SchedulerTests.ProbePrefix });

[CollectionDefinition(Name)]
public sealed class SchedulerCollection : ICollectionFixture<SchedulerFixture>
{
    public const string Name = "scheduler";
}

/// <summary>
/// The scheduler service on the wire, as MassTransit uses it: <c>ScheduleMessage</c> and <c>CancelScheduledMessage</c>
/// envelopes on the <c>scheduler</c> queue, the scheduled envelope delivered to its destination queue when due.
/// </summary>
[Collection(SchedulerCollection.Name)]
public sealed class SchedulerTests(SchedulerFixture system) : IAsyncLifetime
{
    /// <summary>The prefix of the probe queues, the only queues beyond the system's own that the fixture's scheduler sends to.</summary>
    public const string ProbePrefix = "e2e-probe-";

    private readonly string _probeQueue = $"{ProbePrefix}{Guid.NewGuid():N}";
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private IChannel? _channel;

    private sealed record Delivery(string Marker, string? TokenId, string? ScheduledHeader, DateTimeOffset ReceivedAt);

    public async Task InitializeAsync()
    {
        _channel = await system.Broker.CreateChannelAsync();
        await _channel.QueueDeclareAsync(_probeQueue, durable: true, exclusive: false, autoDelete: false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var envelope = JsonNode.Parse(delivery.Body.Span)!;
            var headers = envelope["headers"];
            _deliveries.Enqueue(new Delivery(
                envelope["message"]!["marker"]!.GetValue<string>(),
                headers?["MT-Scheduling-TokenId"]?.GetValue<string>(),
                headers?["MT-Quartz-Scheduled"]?.ToString(),
                DateTimeOffset.UtcNow));
            await _channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await _channel.BasicConsumeAsync(_probeQueue, autoAck: false, consumer);
    }

    public async Task DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.QueueDeleteAsync(_probeQueue);
            await _channel.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_scheduled_message_arrives_once_when_due_with_its_token()
    {
        var token = Guid.NewGuid();
        var due = DateTimeOffset.UtcNow.AddSeconds(2);

        await Schedule(token, due, "first");
        await Schedule(Guid.NewGuid(), due.AddSeconds(1), "later");
        // Two nodes fire these: a lagging node may deliver "first" after "later", so wait for both.
        await WaitForDelivery("first");
        await WaitForDelivery("later");

        var first = Assert.Single(_deliveries, d => d.Marker == "first");
        Assert.Equal(token.ToString("N"), first.TokenId);
        Assert.True(first.ReceivedAt >= due.AddMilliseconds(-50), $"delivered {(due - first.ReceivedAt).TotalMilliseconds} ms early");
        Assert.NotNull(first.ScheduledHeader);
    }

    [Fact]
    public async Task A_cancelled_message_never_fires()
    {
        var cancelled = Guid.NewGuid();
        // Far enough ahead that storing, cancelling and deleting the trigger are over before it is due, on a loaded machine too.
        var due = DateTimeOffset.UtcNow.AddSeconds(20);

        await Schedule(cancelled, due, "cancelled");
        await WaitUntil(async () => await TriggerStored(cancelled), "the trigger to be stored");
        await Cancel(cancelled);
        await WaitUntil(async () => !await TriggerStored(cancelled), "the trigger to be deleted");
        Assert.True(DateTimeOffset.UtcNow < due, "the trigger was deleted only after it was due: the test proves nothing");
        // Quartz fires in due order: once the later message is here, the cancelled one would have been too.
        await Schedule(Guid.NewGuid(), due.AddSeconds(1), "after");
        await WaitForDelivery("after");

        Assert.DoesNotContain(_deliveries, d => d.Marker == "cancelled");
    }

    [Fact]
    public async Task Scheduling_the_same_token_again_replaces_the_message()
    {
        var token = Guid.NewGuid();
        // Far enough ahead that the replacement is stored before the first one is due, on a loaded machine too.
        var due = DateTimeOffset.UtcNow.AddSeconds(20);

        await Schedule(token, due, "replaced");
        // Two nodes compete for the queue: only a schedule that follows the first one is a replacement of it.
        await WaitUntil(async () => await TriggerStored(token), "the first trigger to be stored");
        await Schedule(token, due.AddMilliseconds(500), "replacement");
        await Schedule(Guid.NewGuid(), due.AddSeconds(1.5), "marker");
        await WaitForDelivery("replacement");
        await WaitForDelivery("marker");

        Assert.DoesNotContain(_deliveries, d => d.Marker == "replaced");
        Assert.Single(_deliveries, d => d.Marker == "replacement");
    }

    [Fact]
    public async Task A_message_due_while_every_scheduler_is_down_fires_once_after_the_restart()
    {
        var token = Guid.NewGuid();
        // Far enough ahead that both nodes are killed before it is due, on a loaded machine too.
        var due = DateTimeOffset.UtcNow.AddSeconds(20);
        await Schedule(token, due, "survivor");
        await WaitUntil(async () => await TriggerStored(token), "the trigger to be stored");

        await system.Kill("scheduler");
        Assert.True(DateTimeOffset.UtcNow < due, "the schedulers were killed only after the message was due: the test proves nothing");
        await WaitUntil(() => Task.FromResult(DateTimeOffset.UtcNow > due.AddSeconds(1)), "the due time to pass with no scheduler running");
        Assert.DoesNotContain(_deliveries, d => d.Marker == "survivor");

        await system.Start("scheduler", 2);
        await WaitForDelivery("survivor");
        await Schedule(Guid.NewGuid(), DateTimeOffset.UtcNow.AddSeconds(1), "after-restart");
        await WaitForDelivery("after-restart");

        var survivor = Assert.Single(_deliveries, d => d.Marker == "survivor");
        Assert.Equal(token.ToString("N"), survivor.TokenId);
        Assert.False(await TriggerStored(token));
    }

    [Fact]
    public async Task SIGTERM_of_every_scheduler_while_schedules_stream_in_returns_the_ones_in_hand_to_the_queue_and_dead_letters_none()
    {
        // 400 schedules, due after both nodes are back: some are stored, some in hand, the rest queued when SIGTERM comes.
        var due = DateTimeOffset.UtcNow.AddSeconds(40);
        var markers = Enumerable.Range(0, 400).Select(i => $"term-{i}").ToList();
        await Task.WhenAll(markers.Select(m => Schedule(Guid.NewGuid(), due, m)));
        var errorsBefore = await system.ErrorQueueCount("scheduler_error");
        await WaitUntil(async () => await StoredCount("term-") > 0, "the first schedules to be stored");

        var codes = await system.Terminate("scheduler", TimeSpan.FromSeconds(45));
        var stored = await StoredCount("term-");
        Assert.True(stored < markers.Count, $"all {stored} schedules were stored before SIGTERM: nothing was in hand, the test proves nothing");
        Assert.All(codes, code => Assert.Equal(0, code));
        await system.Start("scheduler", 2);

        await system.WaitUntil(async () => await StoredCount("term-") + DeliveredCount("term-") >= markers.Count,
            () => $"every schedule stored or sent ({StoredCount("term-").GetAwaiter().GetResult()} stored, {DeliveredCount("term-")} sent, "
                + $"{system.ErrorQueueCount("scheduler_error").GetAwaiter().GetResult() - errorsBefore} in scheduler_error; {stored} were stored at SIGTERM)", TimeSpan.FromSeconds(60));
        await system.WaitUntil(() => Task.FromResult(markers.All(m => _deliveries.Any(d => d.Marker == m))), "every message delivered when due", TimeSpan.FromSeconds(90));
        Assert.All(markers, m => Assert.Single(_deliveries, d => d.Marker == m));
        Assert.Equal(errorsBefore, await system.ErrorQueueCount("scheduler_error"));
    }

    private int DeliveredCount(string prefix) => _deliveries.Count(d => d.Marker.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Triggers stored whose message holds <paramref name="prefix"/>.</summary>
    private async Task<long> StoredCount(string prefix)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM qrtz_triggers WHERE convert_from(job_data, 'UTF8') LIKE @pattern", connection);
        command.Parameters.AddWithValue("pattern", $"%{prefix}%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Fifty_messages_on_two_nodes_each_arrive_exactly_once()
    {
        var due = DateTimeOffset.UtcNow.AddSeconds(2);
        var markers = Enumerable.Range(0, 50).Select(i => $"bulk-{i}").ToList();
        foreach (var (marker, i) in markers.Select((m, i) => (m, i)))
        {
            await Schedule(Guid.NewGuid(), due.AddMilliseconds(i * 20), marker);
        }

        await WaitUntil(() => Task.FromResult(markers.All(m => _deliveries.Any(d => d.Marker == m))), "all fifty deliveries");
        await Schedule(Guid.NewGuid(), DateTimeOffset.UtcNow.AddSeconds(1), "bulk-end");
        await WaitForDelivery("bulk-end");

        Assert.All(markers, m => Assert.Single(_deliveries, d => d.Marker == m));
    }

    [Theory]
    [InlineData("queue")]
    [InlineData("rabbitmq")]
    public async Task A_schedule_for_a_queue_that_is_not_the_systems_goes_to_the_error_queue_with_the_reason_and_is_never_sent(string form)
    {
        // Another application's queue on the same broker: if the scheduler sent there, the message would wait in it.
        var foreign = $"payments-prod-{Guid.NewGuid():N}";
        await _channel!.QueueDeclareAsync(foreign, durable: true, exclusive: false, autoDelete: false);
        try
        {
            var destination = form == "queue"
                ? new Uri($"queue:{foreign}")
                : new Uri($"rabbitmq://forged-host.invalid/{Uri.EscapeDataString(system.VirtualHost)}/{foreign}");
            var token = Guid.NewGuid();
            var marker = $"forged-{Guid.NewGuid():N}";
            var due = DateTimeOffset.UtcNow.AddSeconds(2);

            await SendToScheduler(SchedulingWire.Schedule(token, due, destination, new JsonObject { ["marker"] = marker }));
            var (_, reason) = await system.WaitForErrorQueueMessage("scheduler_error", marker);

            Assert.Contains("PermanentMessageException", reason, StringComparison.Ordinal);
            Assert.Contains($"'{foreign}' is not one of this system's queues", reason, StringComparison.Ordinal);
            Assert.False(await TriggerStored(token), "the refused schedule was stored");
            // Quartz fires in due order: once a later message is here, the forged one would have been sent too.
            await Schedule(Guid.NewGuid(), due.AddSeconds(1), $"after-{marker}");
            await WaitForDelivery($"after-{marker}");
            Assert.Equal(0u, await _channel.MessageCountAsync(foreign));
            Assert.DoesNotContain(_deliveries, d => d.Marker == marker);
        }
        finally
        {
            await _channel.QueueDeleteAsync(foreign);
        }
    }

    [Fact]
    public async Task A_saga_style_address_is_sent_to_this_brokers_queue_whatever_host_it_names()
    {
        // A saga's timeout names its endpoint's input address (rabbitmq://host/vhost/queue). The scheduler checks only
        // the queue name, because the host does not steer the send: it goes over the scheduler's own connection.
        var destination = new Uri($"rabbitmq://another-name-of-the-broker.invalid/{Uri.EscapeDataString(system.VirtualHost)}/{_probeQueue}");
        // Such an address names the endpoint's exchange, which MassTransit binds to the queue of the same name.
        await _channel!.ExchangeDeclareAsync(_probeQueue, ExchangeType.Fanout, durable: true, autoDelete: false);
        await _channel.QueueBindAsync(_probeQueue, _probeQueue, "");

        await SendToScheduler(SchedulingWire.Schedule(Guid.NewGuid(), DateTimeOffset.UtcNow.AddSeconds(1), destination, new JsonObject { ["marker"] = "input-address" }));

        await WaitForDelivery("input-address");
        await _channel.ExchangeDeleteAsync(_probeQueue);
    }

    private Task Schedule(Guid token, DateTimeOffset due, string marker) =>
        SendToScheduler(SchedulingWire.Schedule(token, due, _probeQueue, new JsonObject { ["marker"] = marker }));

    private Task Cancel(Guid token) => SendToScheduler(SchedulingWire.Cancel(token));

    /// <summary>Sends a MassTransit envelope to the scheduler queue, the way a MassTransit client's scheduler does.</summary>
    private async Task SendToScheduler(byte[] envelope)
    {
        await using var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(true, true));
        await channel.BasicPublishAsync("", AgentQueues.Scheduler, mandatory: true,
            new BasicProperties { Persistent = true, ContentType = SchedulingWire.ContentType }, envelope);
    }

    private async Task<bool> TriggerStored(Guid token)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM qrtz_triggers WHERE trigger_group = @token", connection);
        command.Parameters.AddWithValue("token", token.ToString("N"));
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private Task WaitForDelivery(string marker) =>
        WaitUntil(() => Task.FromResult(_deliveries.Any(d => d.Marker == marker)), $"'{marker}' to be delivered");

    private Task WaitUntil(Func<Task<bool>> condition, string what) => system.WaitUntil(condition, what, TimeSpan.FromSeconds(45));
}

using Agents.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The ingress and an orchestrator on a RabbitMQ node of their own (<see cref="PrivateBroker"/>), which the test
/// restarts in the middle of a stream of webhooks without disturbing the other tests' broker.
/// </summary>
public sealed class IngressRestartFixture : SystemFixture, IAsyncLifetime
{
    public const string Token = "e2e-restart-bearer-token-0123456789";

    public IngressRestartFixture()
        : this(PrivateBroker.Start(TestEnvironment.RepositoryRoot).GetAwaiter().GetResult())
    {
    }

    private IngressRestartFixture(PrivateBroker broker)
        : base(["orchestrator", "ingress"], new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = broker.Url,
            ["RABBITMQ_VHOST"] = "/",
            ["Ingress__Sources__stream__Kind"] = "generic",
            ["Ingress__Sources__stream__Token"] = Token,
            ["Ingress__Sources__stream__PermitsPerSecond"] = "10000",
            ["Ingress__Sources__stream__Burst"] = "10000",
        }) => PrivateBroker = broker;

    internal PrivateBroker PrivateBroker { get; }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await PrivateBroker.DisposeAsync();
    }
}

public sealed class IngressRestartTests(IngressRestartFixture system, ITestOutputHelper output) : IClassFixture<IngressRestartFixture>
{
    [Fact]
    public async Task Every_webhook_answered_202_becomes_an_incident_across_a_broker_crash_and_restart()
    {
        const int MaxWebhooks = 3000;
        var prefix = "e2e-restart-" + Guid.NewGuid().ToString("N")[..6];
        using var ingress = new HttpClient { BaseAddress = system.Addresses("ingress")[0], Timeout = TimeSpan.FromSeconds(30) };
        Task<TimeSpan>? restart = null;
        int? acceptedWhenBack = null;
        // Four senders, each at most 6 webhooks a second: the broker is killed (SIGKILL) after the 50th 202 and started
        // again, and the stream goes on until 50 more were accepted after it is back.
        var result = await new WebhookStream(ingress, IngressRestartFixture.Token).Send(prefix, MaxWebhooks, concurrency: 4, TimeSpan.FromMinutes(3), accepted =>
        {
            if (accepted == 50)
            {
                restart = Task.Run(system.PrivateBroker.CrashAndRestart);
            }

            if (restart is { IsCompleted: true } && acceptedWhenBack is null)
            {
                acceptedWhenBack = accepted;
            }
        }, pace: TimeSpan.FromMilliseconds(150), enough: accepted => accepted >= acceptedWhenBack + 50);
        Assert.NotNull(restart);
        var down = await restart;
        output.WriteLine($"{result.Accepted.Count} accepted in {result.Elapsed.TotalSeconds:0.0} s; broker down and back in {down.TotalSeconds:0.0} s; "
            + $"{result.Unavailable} answers 503, {result.Refused} refused connections on the way");
        Assert.Equal(result.Accepted.Count, result.Accepted.Distinct().Count());
        Assert.True(result.Accepted.Count >= 100, $"only {result.Accepted.Count} accepted (50 before the crash, 50 after)");
        Assert.True(result.Unavailable + result.Refused > 0, "the restart happened while webhooks were sent, so some were answered 503");

        var missing = result.Accepted.ToHashSet();
        // What the intake queue holds and who consumes it, for the failure message: a queue full of alerts and no consumer
        // is an orchestrator that did not come back to the broker; an empty queue is an alert lost on the way.
        var intake = "not looked at";
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(system.PrivateBroker.Url) };
        await system.WaitUntil(async () =>
        {
            try
            {
                await using var broker = await factory.CreateConnectionAsync("e2e-restart-diagnostics");
                await using var channel = await broker.CreateChannelAsync();
                var queue = await channel.QueueDeclarePassiveAsync(Agents.Contracts.AgentQueues.AlertIntake);
                intake = $"{queue.MessageCount} message(s) in {Agents.Contracts.AgentQueues.AlertIntake}, {queue.ConsumerCount} consumer(s)";
                // The saga's queue too: an intake that came back while the incident endpoint did not (or not yet) leaves
                // the alerts there, not lost.
                var incidents = await channel.QueueDeclarePassiveAsync(Agents.Contracts.AgentQueues.Orchestrator);
                intake += $"; {incidents.MessageCount} in {Agents.Contracts.AgentQueues.Orchestrator}, {incidents.ConsumerCount} consumer(s)";
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                intake = $"the broker could not be asked: {e.Message}";
            }

            await using var connection = new NpgsqlConnection(system.DatabaseConnection);
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("select fingerprint from orchestrator.incidents where fingerprint like @prefix", connection);
            query.Parameters.AddWithValue("prefix", prefix + "-%");
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                missing.Remove(reader.GetString(0));
            }

            return missing.Count == 0;
        }, () => $"every accepted webhook to become an incident; {missing.Count} missing, e.g. {string.Join(", ", missing.Take(5))}; {intake}", TimeSpan.FromMinutes(2));
    }
}

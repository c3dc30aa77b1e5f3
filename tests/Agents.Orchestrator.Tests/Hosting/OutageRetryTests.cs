using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Agents.Hosting;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Agents.Orchestrator.Tests;

/// <summary>A database outage is waited out on every endpoint (Messaging__OutageRetryFor), on the real RabbitMQ.</summary>
public sealed class OutageRetryTests
{
    [Fact]
    public async Task A_message_whose_database_is_down_longer_than_the_ordinary_retries_is_handled_once_it_is_back()
    {
        // The database "comes back" 12 s after the first try: the ordinary 5 retries are spent within about 10 s.
        var probe = new OutageProbe(Guid.NewGuid());
        OutageProbeConsumer.DownFor[probe.Id] = TimeSpan.FromSeconds(12);
        using var host = await StartHost($"outage-probe-{probe.Id:N}", outageRetryFor: "00:01:00");

        // Published: the endpoint's temporary queue is bound to the message type's exchange (a send to the queue would
        // declare it durable, which the broker refuses for a queue declared otherwise).
        await host.Services.GetRequiredService<IBus>().Publish(probe);

        var deadline = Stopwatch.StartNew();
        while (!OutageProbeConsumer.Handled.ContainsKey(probe.Id) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        Assert.True(OutageProbeConsumer.Handled.TryGetValue(probe.Id, out var after), $"not handled; tries so far: {OutageProbeConsumer.Tries.GetValueOrDefault(probe.Id)}");
        Assert.InRange(after, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(45));
        Assert.InRange(OutageProbeConsumer.Tries[probe.Id], 5, 12); // 1, 2, 4, 8 s waits: the fifth try is 15 s in
        await host.StopAsync();
    }

    [Theory]
    [InlineData("57P03", true)] // cannot connect now: starting up
    [InlineData("53300", true)] // too many connections
    [InlineData("40001", false)] // serialization failure: contention, the quick retries
    [InlineData("40P01", false)] // deadlock: contention
    [InlineData("55P03", false)] // lock not available: contention
    [InlineData("23505", false)] // unique violation: not an outage
    public void A_postgres_error_is_an_outage_only_when_the_server_is_not_taking_work(string sqlState, bool outage)
    {
        var error = new PostgresException("x", "ERROR", "ERROR", sqlState);

        Assert.Equal(outage, OutageFaults.IsOutage(new DbUpdateException("saving the saga", error)));
    }

    [Fact]
    public void A_refused_connection_is_an_outage_and_the_waits_fit_the_setting()
    {
        Assert.True(OutageFaults.IsOutage(new InvalidOperationException("saga", new NpgsqlException("connect", new SocketException((int)SocketError.ConnectionRefused)))));
        Assert.False(OutageFaults.IsOutage(new TimeoutException("an agent's model did not answer")));
        Assert.Equal([1, 2, 4, 8, 15, 15, 15], MessagingOptions.OutageIntervals(TimeSpan.FromMinutes(1)).Select(t => t.TotalSeconds));
        Assert.Empty(MessagingOptions.OutageIntervals(TimeSpan.Zero));
    }

    private static async Task<IHost> StartHost(string queue, string outageRetryFor)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RABBITMQ_URL"] = Require("RABBITMQ_URL"),
            ["RABBITMQ_VHOST"] = Environment.GetEnvironmentVariable("RABBITMQ_VHOST") ?? "/",
            ["Messaging:OutageRetryFor"] = outageRetryFor,
        });
        builder.AddAgentsMessaging(x => x.AddConsumer<OutageProbeConsumer>().Endpoint(e =>
        {
            e.Name = queue;
            e.Temporary = true;
        }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: eval \"$(deploy/local/deps.sh env)\" first");
}

public sealed record OutageProbe(Guid Id);

/// <summary>Fails as Npgsql does while the server refuses connections, for <see cref="DownFor"/> from its first try.</summary>
public sealed class OutageProbeConsumer : IConsumer<OutageProbe>
{
    public static ConcurrentDictionary<Guid, TimeSpan> DownFor { get; } = new();

    public static ConcurrentDictionary<Guid, int> Tries { get; } = new();

    public static ConcurrentDictionary<Guid, TimeSpan> Handled { get; } = new();

    private static readonly ConcurrentDictionary<Guid, Stopwatch> Since = new();

    public Task Consume(ConsumeContext<OutageProbe> context)
    {
        var id = context.Message.Id;
        Tries.AddOrUpdate(id, 1, (_, n) => n + 1);
        var since = Since.GetOrAdd(id, _ => Stopwatch.StartNew());
        if (since.Elapsed < DownFor.GetValueOrDefault(id))
        {
            throw new NpgsqlException("Failed to connect to 127.0.0.1:5442", new SocketException((int)SocketError.ConnectionRefused));
        }

        Handled[id] = since.Elapsed;
        return Task.CompletedTask;
    }
}

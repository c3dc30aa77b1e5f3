using Agents.Hosting;
using Agents.Scheduler;
using MassTransit;
using MassTransit.Scheduling;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Agents.Orchestrator.Tests.Scheduler;

/// <summary>
/// The scheduler's consumer and job on an in-memory bus and an in-memory Quartz store: a schedule for a destination
/// that is not one of this system's queues stores nothing and faults permanently; a stored trigger whose destination
/// is not allowed (any more) is dropped when due instead of sent.
/// </summary>
public sealed class SchedulerRefusalTests : IAsyncLifetime
{
    private const string Probe = "probe-queue";
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;
    private IScheduler _scheduler = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new ScheduleDestinations([Probe], []))
            .AddQuartz(q =>
            {
                // A scheduler of this test's own: Quartz keeps schedulers by name in the process.
                q.ConfigureScheduler(s => s.InstanceName = $"refusal-{Guid.NewGuid():N}");
                q.UseInMemoryStore();
                q.AddJob<ScheduledSendJob>(job => job.WithIdentity(ScheduledSend.Job).StoreDurably());
            })
            .AddMassTransitTestHarness(x => x.AddConsumer<SchedulerConsumer>())
            .BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        _harness.TestInactivityTimeout = TimeSpan.FromSeconds(3);
        await _harness.Start();
        _scheduler = await _provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
    }

    public async Task DisposeAsync()
    {
        await _scheduler.Shutdown(waitForJobsToComplete: false);
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    [Theory]
    [InlineData("queue:payments-prod")]
    [InlineData("rabbitmq://evil/x")]
    [InlineData("queue:remediation")]
    public async Task A_schedule_for_a_foreign_destination_stores_nothing_and_faults_permanently(string destination)
    {
        var token = NewId.NextGuid();

        await Schedule(token, destination);

        var consumed = await _harness.WaitConsumed<ScheduleMessage>(c => c.Context.Message.CorrelationId == token);
        Assert.NotNull(consumed);
        var fault = Assert.IsType<PermanentMessageException>(consumed.Exception);
        Assert.Contains("is not one of this system's queues", fault.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", fault.Message, StringComparison.Ordinal);
        Assert.Empty(await _scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.AnyGroup()));
    }

    [Fact]
    public async Task A_schedule_for_an_allowed_destination_is_stored()
    {
        // The control of the test above: the same message to an allowed queue does reach the store.
        var token = NewId.NextGuid();

        await Schedule(token, $"queue:{Probe}");

        await Until(async () => (await _scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(ScheduledSend.TokenGroup(token)))).Count == 1,
            "the trigger to be stored");
        var consumed = await _harness.WaitConsumed<ScheduleMessage>(c => c.Context.Message.CorrelationId == token);
        Assert.Null(consumed?.Exception);
    }

    [Fact]
    public async Task A_stored_trigger_for_a_destination_not_allowed_is_dropped_when_due_and_an_allowed_one_is_sent()
    {
        await _scheduler.Start();
        var forged = await Store("queue:payments-prod", "forged");
        var allowed = await Store($"queue:{Probe}", "allowed");

        // Both fire at once; the allowed one is sent (the test sees sends), the forged one only leaves the store.
        await Until(() => Task.FromResult(SentTo(Probe)), $"the allowed message to be sent to {Probe}");
        await Until(async () => !await _scheduler.Exists(forged) && !await _scheduler.Exists(allowed), "both triggers to be completed");
        Assert.False(SentTo("payments-prod"));
        Assert.Single(_harness.Sent.Select(_ => true, new CancellationToken(canceled: true)));
    }

    /// <summary>Whether anything has been sent to <paramref name="queue"/> so far (the job sends a placeholder type carrying the stored envelope).</summary>
    private bool SentTo(string queue) =>
        _harness.Sent.Select(s => s.Context.DestinationAddress?.AbsolutePath.EndsWith("/" + queue, StringComparison.Ordinal) == true, new CancellationToken(canceled: true)).Any();

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + HarnessWaits.Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private Task Schedule(Guid token, string destination) =>
        _harness.Bus.Publish<ScheduleMessage>(new
        {
            CorrelationId = token,
            ScheduledTime = DateTime.UtcNow.AddHours(1),
            PayloadType = new[] { MessageUrn.ForTypeString<Probed>() },
            Destination = new Uri(destination),
            Payload = new { Marker = "probe" },
        });

    /// <summary>Stores a trigger as the consumer would, due now, bypassing the consumer's own check.</summary>
    private async Task<TriggerKey> Store(string destination, string marker)
    {
        var envelope = $$$"""
            {"messageId":"{{{NewId.NextGuid()}}}","messageType":["{{{MessageUrn.ForTypeString<Probed>()}}}"],"message":{"marker":"{{{marker}}}"},"headers":{}}
            """;
        var key = ScheduledSend.Trigger(NewId.NextGuid(), NewId.NextGuid());
        await _scheduler.ScheduleJob(TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(ScheduledSend.Job)
            .UsingJobData(new JobDataMap
            {
                [ScheduledSend.Destination] = destination,
                [ScheduledSend.Body] = envelope,
                [ScheduledSend.ContentType] = ScheduledSend.EnvelopeContentType,
            })
            .StartNow()
            .Build());
        return key;
    }

    public sealed record Probed
    {
        public required string Marker { get; init; }
    }
}

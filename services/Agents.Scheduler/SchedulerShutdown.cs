using MassTransit;
using Quartz;

namespace Agents.Scheduler;

/// <summary>
/// The scheduler's stop, in the order that loses nothing. Registered after Quartz's and the bus's hosted services, it
/// stops first: it puts this node's Quartz in standby (no new trigger fires here; the other nodes, or this one after
/// its restart, fire them), waits for the sends in hand, then stops the bus, whose consumers finish storing the
/// schedules in hand (Quartz still accepts them) and whose unstarted messages go back to the queue. Only then does
/// Quartz shut down, with nothing left to do; the bus's own stop finds it stopped. Before this, Quartz shut down while
/// the bus still delivered schedules, each failed five times and was dead-lettered: timeouts lost on a restart.
/// </summary>
public sealed class SchedulerShutdown(ISchedulerFactory schedulers, IBusControl bus, ILogger<SchedulerShutdown> logger) : IHostedService
{
    /// <summary>How long the stop waits for the sends in hand before it stops the bus anyway.</summary>
    public static readonly TimeSpan SendsInHandWait = TimeSpan.FromSeconds(20);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (await scheduler.GetStatus(cancellationToken) == SchedulerStatus.Running)
        {
            await scheduler.Standby(cancellationToken);
            var mine = new FireInstanceQuery { SchedulerInstanceId = await scheduler.GetSchedulerInstanceId(cancellationToken) };
            var deadline = DateTime.UtcNow + SendsInHandWait;
            while ((await scheduler.QueryFireInstances(mine, cancellationToken)).Items.Count > 0 && DateTime.UtcNow < deadline)
            {
                // Polled: Quartz offers no event for "the last job in hand ended"; a send takes milliseconds.
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }

        SchedulerLog.StoppingConsumption(logger);
        await bus.StopAsync(cancellationToken);
    }
}

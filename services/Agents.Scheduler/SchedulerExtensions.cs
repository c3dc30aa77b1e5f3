using Agents.Hosting;
using MassTransit;
using Quartz;

namespace Agents.Scheduler;

public static class SchedulerExtensions
{
    /// <summary>
    /// The message scheduler of the whole bus: MassTransit's schedule and cancel contracts on the <c>scheduler</c>
    /// queue, kept in Quartz's clustered PostgreSQL job store (its tables, <c>qrtz_*</c>, are created when
    /// missing), and sent when due. Several nodes may run; each due message is sent by one of them.
    /// </summary>
    public static WebApplicationBuilder AddScheduler(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SchedulerOptions>(SchedulerOptions.SectionName);
        var options = builder.Configuration.GetSection(SchedulerOptions.SectionName).Get<SchedulerOptions>() ?? new SchedulerOptions();
        var connections = AgentsConnections.From(builder.Configuration);

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "agents-scheduler";
                s.IdleWaitTime = options.IdleWaitTime;
            });
            q.UseDefaultThreadPool(maxConcurrency: options.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(connections.PostgresConnection);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = options.ClusterCheckinInterval;
                    c.CheckinMisfireThreshold = options.ClusterCheckinMisfireThreshold;
                });
                store.ProvisionSchema();
                store.ConfigureStore(o => o.StoreJobDataAsStrings = true);
            });
            q.AddJob<ScheduledSendJob>(job => job.WithIdentity(ScheduledSend.Job).StoreDurably().RequestRecovery());
        });

        builder.AddAgentsMessaging(x => x.AddConsumer<SchedulerConsumer, SchedulerConsumerDefinition>());

        // After the bus (registered above): due messages are sent only once the bus is connected, and on
        // SIGTERM the scheduler stops firing and lets sends in hand finish before the bus goes.
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.Services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("quartz", tags: ["ready"]);
        return builder;
    }
}

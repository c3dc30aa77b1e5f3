using Agents.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;
using Quartz;

namespace Agents.Scheduler;

public static class SchedulerExtensions
{
    /// <summary>The command-line verb that creates the job store's missing tables and exits.</summary>
    public const string MigrateCommand = "migrate";

    /// <summary>
    /// The message scheduler of the whole bus: MassTransit's schedule and cancel contracts on the <c>scheduler</c>
    /// queue, kept in Quartz's clustered PostgreSQL job store (its tables, <c>qrtz_*</c>, are created when
    /// missing), and sent when due, only to this system's own queues (<see cref="ScheduleDestinations"/>). Several
    /// nodes may run; each due message is sent by one of them.
    /// </summary>
    public static WebApplicationBuilder AddScheduler(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SchedulerOptions>(SchedulerOptions.SectionName);
        var options = builder.Configuration.GetSection(SchedulerOptions.SectionName).Get<SchedulerOptions>() ?? new SchedulerOptions();
        // Read here, while the service starts: without POSTGRES_CONNECTION (outside Development) it stops now, saying so.
        var postgres = AgentsConnections.From(builder.Configuration, builder.Environment.IsDevelopment()).PostgresConnection;
        builder.Services.AddSingleton(sp => ScheduleDestinations.From(sp.GetRequiredService<IOptions<SchedulerOptions>>().Value));

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
                store.UsePostgres(postgres);
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

        // After the bus (registered above): due messages are sent only once the bus is connected. On SIGTERM the
        // hosted services stop in reverse order: SchedulerShutdown (last registered) stops firing, lets the sends in
        // hand finish and stops the bus's consumers while Quartz still stores what they hold; then Quartz shuts down.
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.Services.AddHostedService<SchedulerShutdown>();
        builder.Services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("quartz", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Creates the job store's missing tables (<c>qrtz_*</c>) and returns, without starting the bus or firing
    /// anything: for deployments whose running scheduler uses a database role without DDL rights, this runs first with
    /// the owner's connection (<c>dotnet Agents.Scheduler.dll migrate</c>).
    /// </summary>
    public static async Task MigrateSchedulerStoreAsync(this WebApplication app, CancellationToken cancellationToken)
    {
        // Quartz provisions the schema when it builds the scheduler; built but never started, it fires nothing.
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken);
        await scheduler.Shutdown(waitForJobsToComplete: false, cancellationToken);
        SchedulerLog.StoreMigrated(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SchedulerExtensions)));
    }
}

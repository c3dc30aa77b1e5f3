using Agents.Scheduler;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("scheduler", "http://127.0.0.1:5087", traceSql: false);
builder.AddScheduler();

var app = builder.Build();
if (args is [SchedulerExtensions.MigrateCommand])
{
    await app.MigrateSchedulerStoreAsync(CancellationToken.None);
    return;
}

app.MapAgentsDefaults();
await app.RunAsync();

using Agents.Scheduler;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("scheduler", "http://127.0.0.1:5087", traceSql: false);
builder.AddScheduler();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

using Agents.Notification;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("notification", "http://127.0.0.1:5086");
builder.AddNotification();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

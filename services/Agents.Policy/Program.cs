using Agents.Policy;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("policy", "http://127.0.0.1:5088");
builder.AddPolicy();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

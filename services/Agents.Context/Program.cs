using Agents.Context;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("context", "http://127.0.0.1:5083");
builder.AddContext();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

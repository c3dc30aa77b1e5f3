using Agents.Triage;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("triage", "http://127.0.0.1:5082");
builder.AddTriage();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

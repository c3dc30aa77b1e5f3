using Agents.Orchestrator;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("orchestrator", "http://127.0.0.1:5081");
builder.AddOrchestrator();

var app = builder.Build();
app.MapAgentsDefaults();
await app.RunOrchestratorAsync(args);

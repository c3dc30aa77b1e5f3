using Agents.Investigation;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("investigation", "http://127.0.0.1:5084");
builder.AddInvestigation();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

using Agents.Api;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("api", "http://127.0.0.1:5080");
builder.AddApi();

var app = builder.Build();
app.MapAgentsDefaults();
app.MapIncidentEndpoints();
app.MapClaimEndpoints();
app.MapDeadLetterEndpoints();
app.Run();

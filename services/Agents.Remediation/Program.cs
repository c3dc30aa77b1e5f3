using Agents.Remediation;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("remediation", "http://127.0.0.1:5085");
builder.AddRemediation();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

using Agents.Ingress;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("ingress", "http://127.0.0.1:5092");
builder.AddIngress();

var app = builder.Build();
app.MapAgentsDefaults();
app.MapWebhooks();
app.Run();

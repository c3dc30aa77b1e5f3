using Agents.Medical;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("medical", "http://127.0.0.1:5090");
builder.AddMedical();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

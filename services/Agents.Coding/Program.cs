using Agents.Coding;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("coding", "http://127.0.0.1:5089");
builder.AddCoding();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

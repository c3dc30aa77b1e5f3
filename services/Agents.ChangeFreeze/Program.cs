using Agents.ChangeFreeze;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults(ChangeFreezeAgent.Name, "http://127.0.0.1:5093");
builder.AddChangeFreeze();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

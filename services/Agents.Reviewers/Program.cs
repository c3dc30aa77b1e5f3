using Agents.Reviewers;

var builder = WebApplication.CreateBuilder(args);

builder.AddAgentsDefaults("reviewers", "http://127.0.0.1:5091");
builder.AddReviewers();

var app = builder.Build();
app.MapAgentsDefaults();
app.Run();

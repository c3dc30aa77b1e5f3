using Agents.Api;

ApiApplication.Build(args).Run();

using Agents.Api;
using Agents.Api.OperatorConsole;

if (args is [ConsoleBench.Command, .. var rest])
{
    return await ConsoleBench.Run(rest);
}

await ApiApplication.Build(args).RunAsync();
return 0;

using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Context.Consumers;

public sealed class CollectIncidentContextConsumer(
    IAgentBrain<CollectIncidentContext, IncidentContext> brain,
    IOptions<AgentOptions> options,
    ILogger<CollectIncidentContextConsumer> logger)
    : AgentConsumer<CollectIncidentContext, IncidentContext, IncidentContextCollected, IncidentContextFailed>(brain, options, logger)
{
    protected override string AgentName => "context";

    protected override IncidentContextCollected Succeeded(CollectIncidentContext command, IncidentContext result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Context = result, Tokens = tokens };

    protected override IncidentContextFailed Failed(CollectIncidentContext command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

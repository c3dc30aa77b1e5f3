using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Hosting.Agents;

namespace Agents.Context.Consumers;

public sealed class CollectIncidentContextConsumer(
    IAgentBrain<CollectIncidentContext, IncidentContext> brain,
    ILogger<CollectIncidentContextConsumer> logger)
    : AgentConsumer<CollectIncidentContext, IncidentContext, IncidentContextCollected, IncidentContextFailed>(brain, logger)
{
    protected override string AgentName => "context";

    protected override IncidentContextCollected Succeeded(CollectIncidentContext command, IncidentContext result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Context = result, Tokens = tokens };

    protected override IncidentContextFailed Failed(CollectIncidentContext command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

using Agents.Contracts;
using Agents.Hosting.Agents;

namespace Agents.Context.Consumers;

public sealed class CollectIncidentContextConsumerDefinition()
    : AgentConsumerDefinition<CollectIncidentContextConsumer>(AgentQueues.Context);

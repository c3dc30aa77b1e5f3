using Agents.Contracts;
using Agents.Hosting.Agents;

namespace Agents.Investigation.Consumers;

public sealed class InvestigateIncidentConsumerDefinition()
    : AgentConsumerDefinition<InvestigateIncidentConsumer>(AgentQueues.Investigation);

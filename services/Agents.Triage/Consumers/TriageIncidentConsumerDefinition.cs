using Agents.Contracts;
using Agents.Hosting.Agents;

namespace Agents.Triage.Consumers;

public sealed class TriageIncidentConsumerDefinition()
    : AgentConsumerDefinition<TriageIncidentConsumer>(AgentQueues.Triage);

using Agents.Contracts;
using Agents.Hosting.Agents;

namespace Agents.Remediation.Consumers;

public sealed class RemediateIncidentConsumerDefinition()
    : AgentConsumerDefinition<RemediateIncidentConsumer>(AgentQueues.Remediation);

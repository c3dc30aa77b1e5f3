using Agents.Contracts;
using Agents.Hosting.Agents;

namespace Agents.Notification.Consumers;

public sealed class NotifyIncidentConsumerDefinition()
    : AgentConsumerDefinition<NotifyIncidentConsumer>(AgentQueues.Notification);

using Agents.Contracts;
using Agents.Hosting;

namespace Agents.Context.Consumers;

/// <summary>The deploy-events queue, bound to the <c>deploys</c> exchange; raw JSON, any routing key.</summary>
public sealed class DeployEventConsumerDefinition()
    : RawJsonConsumerDefinition<DeployEventConsumer>(AgentQueues.DeployEvents, AgentQueues.DeploysExchange);

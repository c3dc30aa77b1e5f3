using MassTransit;

namespace Agents.Hosting.Agents;

/// <summary>Puts an agent's consumer on its own queue (named in <c>AgentQueues</c>) with a bounded concurrency.</summary>
public abstract class AgentConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected AgentConsumerDefinition(string queue, int concurrentMessageLimit = 8)
    {
        Endpoint(e => e.Name = queue);
        ConcurrentMessageLimit = concurrentMessageLimit;
    }
}

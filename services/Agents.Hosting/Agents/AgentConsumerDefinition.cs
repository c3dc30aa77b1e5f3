using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Hosting.Agents;

/// <summary>
/// Puts an agent's consumer on its own queue (named in <c>AgentQueues</c>) with a bounded concurrency:
/// <paramref name="concurrentMessageLimit"/> unless <c>Messaging__ConcurrentMessageLimit</c> says otherwise.
/// </summary>
public abstract class AgentConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected AgentConsumerDefinition(string queue, int concurrentMessageLimit = 8)
    {
        Endpoint(e => e.Name = queue);
        ConcurrentMessageLimit = concurrentMessageLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (context.GetRequiredService<IOptions<MessagingOptions>>().Value.ConcurrentMessageLimit is { } limit)
        {
            consumerConfigurator.ConcurrentMessageLimit = limit;
        }
    }
}

using MassTransit;
using Microsoft.Extensions.Hosting;

namespace Agents.Hosting;

/// <summary>
/// A consumer of third-party JSON: its own queue <paramref name="queue"/>, bound to the durable topic exchange
/// <paramref name="exchange"/> (every routing key), messages read without a MassTransit envelope
/// (<see cref="MessagingExtensions.ReadRawJsonFrom"/>).
/// </summary>
public abstract class RawJsonConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly string _exchange;

    protected RawJsonConsumerDefinition(string queue, string exchange)
    {
        _exchange = exchange;
        Endpoint(e =>
        {
            e.Name = queue;
            e.ConfigureConsumeTopology = false;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.ReadRawJsonFrom(_exchange);
}

using Agents.Contracts;
using MassTransit;

namespace Agents.Context.Consumers;

public sealed class DeployEventConsumerDefinition : ConsumerDefinition<DeployEventConsumer>
{
    public DeployEventConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = AgentQueues.DeployEvents;
            e.ConfigureConsumeTopology = false;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeployEventConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.ReadRawJsonFrom(AgentQueues.DeploysExchange);
}

using Agents.Contracts;
using MassTransit;

namespace Agents.Orchestrator.Intake;

public sealed class AlertIntakeConsumerDefinition : ConsumerDefinition<AlertIntakeConsumer>
{
    public AlertIntakeConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = AgentQueues.AlertIntake;
            e.ConfigureConsumeTopology = false;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AlertIntakeConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.ReadRawJsonFrom(AgentQueues.AlertsExchange);
    }
}

using Agents.Contracts;
using Agents.Hosting;
using MassTransit;

namespace Agents.Orchestrator.Intake;

/// <summary>The claim intake queue (<c>claim-intake</c>), bound to the <c>claims</c> exchange; raw JSON, any routing key.</summary>
public sealed class ClaimIntakeConsumerDefinition : ConsumerDefinition<ClaimIntakeConsumer>
{
    public ClaimIntakeConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = AgentQueues.ClaimIntake;
            e.ConfigureConsumeTopology = false;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ClaimIntakeConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.ReadRawJsonFrom(AgentQueues.ClaimsExchange);
    }
}

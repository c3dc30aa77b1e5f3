using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// The alert intake queue (<c>alert-intake</c>), bound to the <c>alerts</c> exchange; raw JSON, any routing key, each
/// body checked against <see cref="AlertLimits"/> before it is read (<see cref="AlertBodyFilter"/>).
/// </summary>
public sealed class AlertIntakeConsumerDefinition()
    : RawJsonConsumerDefinition<AlertIntakeConsumer>(AgentQueues.AlertIntake, AgentQueues.AlertsExchange)
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AlertIntakeConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        base.ConfigureConsumer(endpointConfigurator, consumerConfigurator, context);
        endpointConfigurator.UseFilter(new AlertBodyFilter(context.GetRequiredService<IOptions<AlertLimits>>().Value));
    }
}

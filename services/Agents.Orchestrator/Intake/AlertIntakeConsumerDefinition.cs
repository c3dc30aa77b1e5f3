using Agents.Contracts;
using Agents.Hosting;

namespace Agents.Orchestrator.Intake;

/// <summary>The alert intake queue (<c>alert-intake</c>), bound to the <c>alerts</c> exchange; raw JSON, any routing key.</summary>
public sealed class AlertIntakeConsumerDefinition()
    : RawJsonConsumerDefinition<AlertIntakeConsumer>(AgentQueues.AlertIntake, AgentQueues.AlertsExchange);

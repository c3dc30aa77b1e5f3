using Agents.Contracts;
using Agents.Hosting;

namespace Agents.Orchestrator.Intake;

/// <summary>The claim intake queue (<c>claim-intake</c>), bound to the <c>claims</c> exchange; raw JSON, any routing key.</summary>
public sealed class ClaimIntakeConsumerDefinition()
    : RawJsonConsumerDefinition<ClaimIntakeConsumer>(AgentQueues.ClaimIntake, AgentQueues.ClaimsExchange);

using Agents.Contracts;
using Agents.Contracts.Investigation;
using Agents.Hosting.Agents;

namespace Agents.Investigation.Consumers;

public sealed class InvestigateIncidentConsumer(
    IAgentBrain<InvestigateIncident, Hypothesis> brain,
    ILogger<InvestigateIncidentConsumer> logger)
    : AgentConsumer<InvestigateIncident, Hypothesis, IncidentInvestigated, IncidentInvestigationFailed>(brain, logger)
{
    protected override string AgentName => "investigation";

    protected override IncidentInvestigated Succeeded(InvestigateIncident command, Hypothesis result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Hypothesis = result, Tokens = tokens };

    protected override IncidentInvestigationFailed Failed(InvestigateIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

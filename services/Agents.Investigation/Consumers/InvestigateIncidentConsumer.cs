using Agents.Contracts;
using Agents.Contracts.Investigation;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Investigation.Consumers;

public sealed class InvestigateIncidentConsumer(
    IAgentBrain<InvestigateIncident, Hypothesis> brain,
    IOptions<AgentOptions> options,
    ILogger<InvestigateIncidentConsumer> logger)
    : AgentConsumer<InvestigateIncident, Hypothesis, IncidentInvestigated, IncidentInvestigationFailed>(brain, options, logger)
{
    protected override string AgentName => "investigation";

    protected override IncidentInvestigated Succeeded(InvestigateIncident command, Hypothesis result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Hypothesis = result, Tokens = tokens };

    protected override IncidentInvestigationFailed Failed(InvestigateIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

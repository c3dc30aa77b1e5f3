using Agents.Contracts;
using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;

namespace Agents.Remediation.Consumers;

public sealed class RemediateIncidentConsumer(
    IAgentBrain<RemediateIncident, RemediationResult> brain,
    ILogger<RemediateIncidentConsumer> logger)
    : AgentConsumer<RemediateIncident, RemediationResult, IncidentRemediated, IncidentRemediationFailed>(brain, logger)
{
    protected override string AgentName => "remediation";

    protected override IncidentRemediated Succeeded(RemediateIncident command, RemediationResult result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Result = result, Tokens = tokens };

    protected override IncidentRemediationFailed Failed(RemediateIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

using Agents.Contracts;
using Agents.Contracts.Remediation;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Consumers;

public sealed class RemediateIncidentConsumer(
    IAgentBrain<RemediateIncident, RemediationResult> brain,
    IOptions<AgentOptions> options,
    ILogger<RemediateIncidentConsumer> logger)
    : AgentConsumer<RemediateIncident, RemediationResult, IncidentRemediated, IncidentRemediationFailed>(brain, options, logger)
{
    protected override string AgentName => "remediation";

    protected override IncidentRemediated Succeeded(RemediateIncident command, RemediationResult result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Result = result, Tokens = tokens };

    protected override IncidentRemediationFailed Failed(RemediateIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

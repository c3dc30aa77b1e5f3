using Agents.Contracts;
using Agents.Contracts.Triage;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Triage.Consumers;

public sealed class TriageIncidentConsumer(
    IAgentBrain<TriageIncident, TriageResult> brain,
    IOptions<AgentOptions> options,
    ILogger<TriageIncidentConsumer> logger)
    : AgentConsumer<TriageIncident, TriageResult, IncidentTriaged, IncidentTriageFailed>(brain, options, logger)
{
    protected override string AgentName => "triage";

    protected override IncidentTriaged Succeeded(TriageIncident command, TriageResult result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Result = result, Tokens = tokens };

    protected override IncidentTriageFailed Failed(TriageIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

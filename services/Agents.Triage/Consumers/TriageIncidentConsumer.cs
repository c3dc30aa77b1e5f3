using Agents.Contracts;
using Agents.Contracts.Triage;
using Agents.Hosting.Agents;

namespace Agents.Triage.Consumers;

public sealed class TriageIncidentConsumer(
    IAgentBrain<TriageIncident, TriageResult> brain,
    ILogger<TriageIncidentConsumer> logger)
    : AgentConsumer<TriageIncident, TriageResult, IncidentTriaged, IncidentTriageFailed>(brain, logger)
{
    protected override string AgentName => "triage";

    protected override IncidentTriaged Succeeded(TriageIncident command, TriageResult result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Result = result, Tokens = tokens };

    protected override IncidentTriageFailed Failed(TriageIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Reason = reason, Tokens = tokens };
}

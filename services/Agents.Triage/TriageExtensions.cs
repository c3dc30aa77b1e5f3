using Agents.Contracts.Triage;
using Agents.Hosting.Agents;
using Agents.Triage.Brain;
using Agents.Triage.Consumers;
using MassTransit;

namespace Agents.Triage;

public static class TriageExtensions
{
    /// <summary>The triage agent: classifies raw alerts (rule-based brain).</summary>
    public static WebApplicationBuilder AddTriage(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IAgentBrain<TriageIncident, TriageResult>, RuleBasedTriageBrain>();
        builder.AddAgentsMessaging(x => x.AddConsumer<TriageIncidentConsumer, TriageIncidentConsumerDefinition>());
        return builder;
    }
}

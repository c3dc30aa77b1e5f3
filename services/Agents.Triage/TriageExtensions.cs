using Agents.Contracts.Triage;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Triage.Brain;
using Agents.Triage.Consumers;
using MassTransit;

namespace Agents.Triage;

public static class TriageExtensions
{
    /// <summary>
    /// The triage agent: classifies raw alerts (rule-based brain, or the model with <c>Agent__Brain=llm</c>), the service
    /// identified through the service catalog.
    /// </summary>
    public static WebApplicationBuilder AddTriage(this WebApplicationBuilder builder)
    {
        builder.AddServiceCatalog();
        builder.AddAgentBrain<TriageIncident, TriageResult, RuleBasedTriageBrain, LlmTriageBrain>();
        builder.AddAgentsMessaging(x => x.AddConsumer<TriageIncidentConsumer, TriageIncidentConsumerDefinition>());
        return builder;
    }
}

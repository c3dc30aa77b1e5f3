using Agents.Contracts.Investigation;
using Agents.Hosting.Agents;
using Agents.Investigation.Brain;
using Agents.Investigation.Consumers;
using MassTransit;

namespace Agents.Investigation;

public static class InvestigationExtensions
{
    /// <summary>The investigation agent: a root-cause hypothesis from the context (rule-based brain, or the model with <c>Agent__Brain=llm</c>).</summary>
    public static WebApplicationBuilder AddInvestigation(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<InvestigationOptions>(InvestigationOptions.SectionName);
        builder.AddAgentBrain<InvestigateIncident, Hypothesis, RuleBasedInvestigationBrain, LlmInvestigationBrain>();
        builder.AddAgentsMessaging(x => x.AddConsumer<InvestigateIncidentConsumer, InvestigateIncidentConsumerDefinition>());
        return builder;
    }
}

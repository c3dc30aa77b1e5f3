using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Remediation.Brain;
using Agents.Remediation.Consumers;
using Agents.Remediation.Runbooks;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Remediation;

public static class RemediationExtensions
{
    /// <summary>
    /// The remediation agent: picks an action from the runbook catalog (rule-based planner, or the model with
    /// <c>Agent__Brain=llm</c>) and dry-runs it after the guardrail's checks.
    /// The catalog is loaded and checked at start-up.
    /// </summary>
    public static WebApplicationBuilder AddRemediation(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RemediationOptions>(RemediationOptions.SectionName);
        builder.Services.AddSingletonLoadedAtStart(sp =>
            RunbookCatalog.Load(sp.GetRequiredService<IOptions<RemediationOptions>>().Value.ResolveCatalogPath()));
        builder.Services.AddSingleton<RunbookExecutor>();
        builder.AddAgentBrain<RemediateIncident, RemediationPlan, RuleBasedRemediationBrain, LlmRemediationPlanner>();
        builder.Services.AddSingleton<IAgentBrain<RemediateIncident, RemediationResult>, RemediationAgent>();
        builder.AddAgentsMessaging(x => x.AddConsumer<RemediateIncidentConsumer, RemediateIncidentConsumerDefinition>());
        return builder;
    }
}

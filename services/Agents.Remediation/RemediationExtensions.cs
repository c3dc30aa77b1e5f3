using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Remediation.Brain;
using Agents.Remediation.Consumers;
using Agents.Remediation.Control;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Agents.Remediation.Verification;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Remediation;

public static class RemediationExtensions
{
    /// <summary>
    /// The remediation agent: picks an action from the runbook catalog (rule-based planner, or the model with
    /// <c>Agent__Brain=llm</c>), checks it against the guardrail, and in the service's mode (service catalog) dry-runs it,
    /// proposes it for a human's approval, or executes it under the controls and the execution ledger; it also answers the
    /// verification checks of executed actions. The catalogs are loaded and checked at start-up.
    /// </summary>
    public static WebApplicationBuilder AddRemediation(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RemediationOptions>(RemediationOptions.SectionName);
        builder.Services.AddSingletonLoadedAtStart(sp =>
            RunbookCatalog.Load(sp.GetRequiredService<IOptions<RemediationOptions>>().Value.ResolveCatalogPath()));
        builder.Services.AddSingleton<RunbookExecutor>();
        builder.AddRemediationControls();
        builder.AddActionExecutors();
        builder.AddValidatedOptions<VerificationOptions>(VerificationOptions.SectionName);
        builder.Services.AddHttpClient(RemediationVerifier.HttpClientName);
        builder.Services.AddSingleton<IAgentBrain<CheckRemediation, VerificationOutcome>, RemediationVerifier>();
        builder.AddAgentBrain<RemediateIncident, RemediationPlan, RuleBasedRemediationBrain, LlmRemediationPlanner>();
        builder.Services.AddSingleton<IAgentBrain<RemediateIncident, RemediationResult>, RemediationAgent>();
        builder.AddAgentsMessaging(x =>
        {
            x.AddConsumer<RemediateIncidentConsumer, RemediateIncidentConsumerDefinition>();
            x.AddConsumer<CheckRemediationConsumer, CheckRemediationConsumerDefinition>();
        });
        return builder;
    }
}

using Agents.Hosting;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Intake;
using Agents.Orchestrator.Queries;
using Agents.Orchestrator.Workflows;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator;

public static class OrchestratorExtensions
{
    /// <summary>
    /// The orchestrator: alert intake, the incident saga (state kept in memory in this version), the
    /// read side for the API, and the emergency page when the saga itself fails.
    /// </summary>
    public static WebApplicationBuilder AddOrchestrator(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<OrchestratorOptions>(OrchestratorOptions.SectionName);
        builder.Services.AddSingletonLoadedAtStart(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            return WorkflowLoader.LoadFile(RepositoryFiles.Resolve(options.WorkflowPath), options.Workflow);
        });

        builder.AddAgentsMessaging(x => x.AddOrchestratorConsumers());
        return builder;
    }

    /// <summary>The orchestrator's consumers and saga; shared with the tests' in-memory harness.</summary>
    public static void AddOrchestratorConsumers(this IBusRegistrationConfigurator x)
    {
        x.AddConsumer<AlertIntakeConsumer, AlertIntakeConsumerDefinition>();
        x.AddConsumer<IncidentQueryConsumer>();
        x.AddSagaStateMachine<IncidentStateMachine, IncidentState, IncidentStateDefinition>().InMemoryRepository();
        x.AddConsumeObserver<SagaFaultAlarm>();
    }
}

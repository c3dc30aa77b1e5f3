using Agents.Contracts.Alerts;
using Agents.Hosting;
using Agents.Hosting.Catalog;
using Agents.Orchestrator.Deliberations;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Intake;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Queries;
using Agents.Orchestrator.Workflows;
using Agents.SagaRepository;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator;

public static class OrchestratorExtensions
{
    /// <summary>The command-line verb that applies the store's migrations and exits.</summary>
    public const string MigrateCommand = "migrate";

    /// <summary>
    /// The orchestrator: alert intake, the incident and deliberation sagas with their state in PostgreSQL (schema migrated at
    /// start-up, before the bus takes messages), the read side for the API, and the emergency page when the
    /// saga itself fails, and the sweep that closes escalated incidents past their maximum open age.
    /// </summary>
    public static WebApplicationBuilder AddOrchestrator(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<OrchestratorOptions>(OrchestratorOptions.SectionName);
        builder.AddValidatedOptions<AlertLimits>(AlertLimits.SectionName);
        builder.Services.AddSingletonLoadedAtStart(sp => new WorkflowCatalog(LoadWorkflows(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value)));
        builder.Services.AddHostedService(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            return new WorkflowReloader(sp.GetRequiredService<WorkflowCatalog>(), RepositoryFiles.Resolve(options.WorkflowPath),
                () => LoadWorkflows(options), sp.GetRequiredService<ILogger<WorkflowReloader>>());
        });
        // The emergency page, also straight to PagerDuty when Notification__Channels__PagerDuty__RoutingKey is set.
        builder.Services.AddHttpClient(EmergencyPagerDuty.Client);
        builder.Services.AddSingleton<EmergencyPagerDuty>();
        // Routing rules and when: conditions may name the service catalog's team, tier and environment.
        builder.AddServiceCatalog();
        builder.Services.AddSingletonLoadedAtStart(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            return WorkflowLoader.LoadDeliberationsFile(RepositoryFiles.Resolve(options.WorkflowPath));
        });
        builder.Services.AddIncidentStore();
        builder.Services.AddHostedService<IncidentStoreMigrator>();

        builder.AddAgentsMessaging(x =>
        {
            x.AddOrchestratorConsumers().EntityFrameworkRepository<IncidentState, IncidentDbContext>();
            x.AddDeliberations().EntityFrameworkRepository<DeliberationState, IncidentDbContext>();
        });
        builder.Services.AddHostedService<IncidentRecovery>();
        builder.Services.AddHostedService<StaleIncidentSweeper>();
        builder.Services.AddHostedService<InFlightIncidentsGauge>();
        builder.AddValidatedOptions<RetentionOptions>(RetentionOptions.SectionName);
        builder.Services.AddHostedService<RetentionSweeper>();
        return builder;
    }

    /// <summary>The workflow file, with <see cref="OrchestratorOptions.Workflow"/> (when set) as the default workflow.</summary>
    public static WorkflowSet LoadWorkflows(OrchestratorOptions options)
    {
        var path = RepositoryFiles.Resolve(options.WorkflowPath);
        var set = WorkflowLoader.LoadSet(path);
        if (string.IsNullOrWhiteSpace(options.Workflow))
        {
            return set;
        }

        return set.Workflows.ContainsKey(options.Workflow)
            ? set with { DefaultWorkflow = options.Workflow }
            : throw new WorkflowConfigurationException(
                $"Orchestrator__Workflow '{options.Workflow}' is not a workflow of '{path}' (it has: {string.Join(", ", set.Workflows.Keys)}).");
    }

    /// <summary>
    /// The orchestrator's consumers and saga; the caller chooses the saga repository (PostgreSQL in the
    /// service, in memory in the saga unit tests).
    /// </summary>
    public static ISagaRegistrationConfigurator<IncidentState> AddOrchestratorConsumers(this IBusRegistrationConfigurator x)
    {
        x.AddConsumer<AlertIntakeConsumer, AlertIntakeConsumerDefinition>();
        x.AddConsumer<IncidentQueryConsumer>();
        x.AddListSagaRepositoryFallback();
        x.TryAddSingleton<IEmergencyPageLedger, InMemoryEmergencyPageLedger>();
        x.AddConsumeObserver<SagaFaultAlarm>();
        return x.AddSagaStateMachine<IncidentStateMachine, IncidentState, IncidentStateDefinition>();
    }

    /// <summary>
    /// The deliberation saga (policies from the workflow file's <c>deliberations:</c> section, registered as
    /// <see cref="DeliberationPolicies"/>), its query consumer and the claim intake; the caller chooses the saga
    /// repository, as for <see cref="AddOrchestratorConsumers"/>.
    /// </summary>
    public static ISagaRegistrationConfigurator<DeliberationState> AddDeliberations(this IBusRegistrationConfigurator x)
    {
        x.AddConsumer<DeliberationQueryConsumer>();
        x.AddListSagaRepositoryFallback();
        x.AddConsumer<ClaimIntakeConsumer, ClaimIntakeConsumerDefinition>();
        return x.AddSagaStateMachine<DeliberationStateMachine, DeliberationState, DeliberationStateDefinition>();
    }

    /// <summary>
    /// The list queries' repository for a saga repository that has none of its own (the in-memory one of the saga tests);
    /// the PostgreSQL store registers its own, which wins.
    /// </summary>
    private static void AddListSagaRepositoryFallback(this IServiceCollection services) =>
        services.TryAddScoped(typeof(IListSagaRepository<>), typeof(LoadingListSagaRepository<>));

    /// <summary>
    /// Runs the orchestrator, or with the single argument <c>migrate</c> applies the store's migrations and
    /// exits (for operators who migrate before they deploy).
    /// </summary>
    public static async Task RunOrchestratorAsync(this WebApplication app, string[] args)
    {
        if (args is [MigrateCommand])
        {
            await IncidentStore.MigrateAsync(app.Services, CancellationToken.None);
            OrchestratorLog.StoreMigrated(app.Services.GetRequiredService<ILogger<IncidentStoreMigrator>>());
            return;
        }

        await app.RunAsync();
    }
}

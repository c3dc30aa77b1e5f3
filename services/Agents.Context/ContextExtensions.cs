using Agents.Context.Consumers;
using Agents.Context.DeployLog;
using Agents.Context.Sources;
using Agents.Contracts.Context;
using Agents.Hosting;
using Agents.Hosting.Agents;
using MassTransit;
using Npgsql;

namespace Agents.Context;

public static class ContextExtensions
{
    /// <summary>
    /// The context collector: records deploy events from the <c>deploys</c> exchange in PostgreSQL and,
    /// for an incident, queries its sources (the alert itself, the deploy log) in parallel.
    /// </summary>
    public static WebApplicationBuilder AddContext(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ContextOptions>(ContextOptions.SectionName);
        builder.Services.AddSingleton(sp =>
            new NpgsqlDataSourceBuilder(sp.GetRequiredService<AgentsConnections>().PostgresConnection).WithReadableSpans().Build());
        builder.Services.AddSingleton<PostgresDeployLog>();
        builder.Services.AddSingleton<IDeployLog>(sp => sp.GetRequiredService<PostgresDeployLog>());
        builder.Services.AddHostedService<DeployLogSchemaService>();
        builder.Services.AddSingleton<IContextSource, AlertDetailsSource>();
        builder.Services.AddSingleton<IContextSource, DeployLogSource>();
        builder.Services.AddSingleton<IAgentBrain<CollectIncidentContext, IncidentContext>, ContextCollector>();
        builder.AddAgentsMessaging(x =>
        {
            x.AddConsumer<CollectIncidentContextConsumer, CollectIncidentContextConsumerDefinition>();
            x.AddConsumer<DeployEventConsumer, DeployEventConsumerDefinition>();
        });
        return builder;
    }
}

using Agents.Context.Consumers;
using Agents.Context.DeployLog;
using Agents.Context.Sources;
using Agents.Context.Sources.CloudWatch;
using Agents.Context.Sources.Datadog;
using Agents.Context.Sources.Kubernetes;
using Agents.Context.Sources.Loki;
using Agents.Context.Sources.PagerDuty;
using Agents.Context.Sources.Prometheus;
using Agents.Contracts.Context;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using MassTransit;
using Npgsql;

namespace Agents.Context;

public static class ContextExtensions
{
    /// <summary>
    /// The context collector: records deploy events from the <c>deploys</c> exchange in PostgreSQL and, for an incident,
    /// queries its sources in parallel: the alert itself, the deploy log, and every telemetry source whose URL is
    /// configured (<c>Context__Sources__&lt;Source&gt;__Url</c>), about the service as the service catalog describes it.
    /// </summary>
    public static WebApplicationBuilder AddContext(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ContextOptions>(ContextOptions.SectionName);
        builder.AddValidatedOptions<ContextBounds>($"{ContextOptions.SectionName}:Bounds");
        builder.AddServiceCatalog();
        builder.Services.AddSingleton(sp =>
            new NpgsqlDataSourceBuilder(sp.GetRequiredService<AgentsConnections>().PostgresConnection).WithReadableSpans().Build());
        builder.Services.AddSingleton<PostgresDeployLog>();
        builder.Services.AddSingleton<IDeployLog>(sp => sp.GetRequiredService<PostgresDeployLog>());
        builder.Services.AddHostedService<DeployLogSchemaService>();
        builder.AddValidatedOptions<DeployEventRetentionOptions>(DeployEventRetentionOptions.SectionName);
        builder.Services.AddHostedService<DeployEventRetention>();
        builder.Services.AddSingleton<IContextSource, AlertDetailsSource>();
        builder.Services.AddSingleton<IContextSource, DeployLogSource>();
        builder.Services.AddSingleton(sp => RunbookActionNames.Load(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ContextOptions>>().Value.RunbookPath,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<RunbookActionNames>()));
        builder.AddContextSources();
        builder.Services.AddSingleton<IAgentBrain<CollectIncidentContext, IncidentContext>, ContextCollector>();
        builder.AddAgentsMessaging(x =>
        {
            x.AddConsumer<CollectIncidentContextConsumer, CollectIncidentContextConsumerDefinition>();
            x.AddConsumer<DeployEventConsumer, DeployEventConsumerDefinition>();
        });
        return builder;
    }

    /// <summary>The telemetry sources; each is registered only when its URL is configured.</summary>
    public static WebApplicationBuilder AddContextSources(this WebApplicationBuilder builder)
    {
        builder.AddContextSource<PrometheusSource, PrometheusSourceOptions>("Prometheus");
        builder.AddContextSource<LokiSource, LokiSourceOptions>("Loki");
        builder.AddContextSource<DatadogSource, DatadogSourceOptions>("Datadog");
        builder.AddContextSource<CloudWatchSource, CloudWatchSourceOptions>("CloudWatch");
        builder.AddContextSource<PagerDutyHistorySource, PagerDutyHistorySourceOptions>("PagerDuty");
        builder.AddContextSource<KubernetesSource, KubernetesSourceOptions>(KubernetesSource.SectionName);
        return builder;
    }

    /// <summary>
    /// Binds and validates <typeparamref name="TOptions"/> from <c>Context:Sources:<paramref name="name"/></c> and, when
    /// the source is enabled (its URL is set), registers <typeparamref name="TSource"/> with a named HTTP client
    /// (<paramref name="name"/>; no client-side timeout: the collector cancels a source at its own timeout; answers larger
    /// than <see cref="ContextSourceOptions.MaxResponseBytes"/> refused by a <see cref="BoundedResponseHandler"/>).
    /// </summary>
    public static WebApplicationBuilder AddContextSource<TSource, TOptions>(this WebApplicationBuilder builder, string name)
        where TSource : class, IContextSource
        where TOptions : ContextSourceOptions, new()
    {
        var section = $"{ContextOptions.SectionName}:Sources:{name}";
        builder.AddValidatedOptions<TOptions>(section);
        var options = builder.Configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        if (!options.IsEnabled)
        {
            return builder;
        }

        builder.Services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(() => new BoundedResponseHandler(options.MaxResponseBytes));
        builder.Services.AddSingleton<IContextSource, TSource>();
        return builder;
    }
}

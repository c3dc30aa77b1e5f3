using Agents.Contracts.Notification;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Notification.Brain;
using Agents.Notification.Channels;
using Agents.Notification.Channels.Email;
using Agents.Notification.Channels.Jira;
using Agents.Notification.Channels.PagerDuty;
using Agents.Notification.Channels.Slack;
using Agents.Notification.Channels.Webhook;
using Agents.Notification.Consumers;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Notification;

public static class NotificationExtensions
{
    /// <summary>
    /// The notification agent: writes the human-readable summary (by rules, or the title and summary by the model with
    /// <c>Agent__Brain=llm</c>) and delivers it, exactly once per event and channel (the ledger in PostgreSQL), to the
    /// channels its route names: Slack, PagerDuty, Jira, email, a signed webhook (each on when its settings are) and the
    /// local file; and delivers the incident's later events (acknowledged, resolved by a human) and claims without
    /// consensus the same way.
    /// </summary>
    public static WebApplicationBuilder AddNotification(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<NotificationOptions>(NotificationOptions.SectionName);
        builder.AddServiceCatalog();
        builder.Services.AddSingleton<NotificationWriter>();
        builder.AddBrain<INotificationWriter, NotificationWriter, LlmNotificationWriter>();

        builder.Services.AddNotificationChannels(builder.Configuration);
        builder.Services.AddSingleton(sp => LoadRoutes(sp.GetRequiredService<IOptions<NotificationOptions>>().Value, builder.Configuration));
        builder.Services.AddSingleton<PostgresDeliveryLedger>();
        builder.Services.AddSingleton<IDeliveryLedger>(sp => sp.GetRequiredService<PostgresDeliveryLedger>());
        // Before the bus: no command is taken until the ledger's table exists.
        builder.Services.AddHostedService<DeliveryLedgerCreator>();
        builder.Services.AddSingleton<NotificationDispatcher>();
        builder.Services.AddSingleton<IAgentBrain<NotifyIncident, NotificationRecord>, NotificationAgent>();
        builder.AddAgentsMessaging(x =>
        {
            x.AddConsumer<NotifyIncidentConsumer, NotifyIncidentConsumerDefinition>();
            x.AddConsumer<IncidentEventsConsumer, IncidentEventsConsumerDefinition>();
        });
        return builder;
    }

    /// <summary>Every channel; each is off until its settings are there (<c>Notification__Channels__*</c>).</summary>
    public static IServiceCollection AddNotificationChannels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<INotificationChannel, FileChannel>();
        services.AddSlackChannel(configuration);
        services.AddPagerDutyChannel(configuration);
        services.AddJiraChannel(configuration);
        services.AddEmailChannel(configuration);
        services.AddWebhookChannel(configuration);
        return services;
    }

    private static NotificationRoutes LoadRoutes(NotificationOptions options, IConfiguration configuration)
    {
        var claims = configuration["Notification:Channels:Slack:ClaimsChannel"];
        if (!string.IsNullOrWhiteSpace(options.RoutesPath))
        {
            return NotificationRoutes.Load(Hosting.RepositoryFiles.Resolve(options.RoutesPath));
        }

        var shipped = Hosting.RepositoryFiles.Resolve("deploy/notifications.yaml");
        return File.Exists(shipped) ? NotificationRoutes.Load(shipped) : NotificationRoutes.BuiltIn(claims);
    }

    /// <summary>Creates the ledger's table when the service starts.</summary>
    private sealed class DeliveryLedgerCreator(PostgresDeliveryLedger ledger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => ledger.CreateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

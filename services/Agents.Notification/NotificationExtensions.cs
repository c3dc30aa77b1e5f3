using Agents.Contracts.Notification;
using Agents.Hosting.Agents;
using Agents.Notification.Brain;
using Agents.Notification.Consumers;
using Agents.Notification.Sinks;
using MassTransit;

namespace Agents.Notification;

public static class NotificationExtensions
{
    /// <summary>
    /// The notification agent: writes the human-readable summary (by rules, or the title and summary by the model with
    /// <c>Agent__Brain=llm</c>) and delivers it to the sinks.
    /// </summary>
    public static WebApplicationBuilder AddNotification(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<NotificationOptions>(NotificationOptions.SectionName);
        builder.Services.AddSingleton<NotificationWriter>();
        builder.AddBrain<INotificationWriter, NotificationWriter, LlmNotificationWriter>();
        builder.Services.AddSingleton<INotificationSink, FileNotificationSink>();
        builder.Services.AddSingleton<IAgentBrain<NotifyIncident, NotificationRecord>, DeliveringNotifier>();
        builder.AddAgentsMessaging(x => x.AddConsumer<NotifyIncidentConsumer, NotifyIncidentConsumerDefinition>());
        return builder;
    }
}

using Agents.Contracts.Notification;

namespace Agents.Notification.Sinks;

/// <summary>Where a notification goes once written (the local file now; Slack, Jira and PagerDuty later).</summary>
public interface INotificationSink
{
    Task DeliverAsync(NotifyIncident command, NotificationRecord notification, CancellationToken ct);
}

using Agents.Contracts.Notification;
using Agents.Hosting.Agents;
using Agents.Notification.Brain;

namespace Agents.Notification.Sinks;

/// <summary>Writes the notification with the writer, then delivers it to every sink; a sink that fails is retried as a transient fault.</summary>
public sealed class DeliveringNotifier(INotificationWriter writer, IEnumerable<INotificationSink> sinks)
    : IAgentBrain<NotifyIncident, NotificationRecord>
{
    public string Kind => writer.Kind;

    public async Task<AgentOutcome<NotificationRecord>> DecideAsync(NotifyIncident command, CancellationToken cancellationToken)
    {
        var outcome = await writer.DecideAsync(command, cancellationToken);
        if (outcome.Result is { } notification)
        {
            foreach (var sink in sinks)
            {
                await sink.DeliverAsync(command, notification, cancellationToken);
            }
        }

        return outcome;
    }
}

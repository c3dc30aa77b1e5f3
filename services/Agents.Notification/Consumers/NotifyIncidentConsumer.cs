using Agents.Contracts;
using Agents.Contracts.Notification;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Consumers;

public sealed class NotifyIncidentConsumer(
    IAgentBrain<NotifyIncident, NotificationRecord> brain,
    IOptions<AgentOptions> options,
    ILogger<NotifyIncidentConsumer> logger)
    : AgentConsumer<NotifyIncident, NotificationRecord, IncidentNotified, IncidentNotificationFailed>(brain, options, logger)
{
    protected override string AgentName => "notification";

    protected override IncidentNotified Succeeded(NotifyIncident command, NotificationRecord result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Notification = result, Tokens = tokens };

    protected override IncidentNotificationFailed Failed(NotifyIncident command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Kind = command.Kind, Reason = reason, Tokens = tokens };
}

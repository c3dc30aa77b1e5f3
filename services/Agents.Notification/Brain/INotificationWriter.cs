using Agents.Contracts.Notification;
using Agents.Hosting.Agents;

namespace Agents.Notification.Brain;

/// <summary>Writes the notification a human reads; the delivering brain sends what it wrote to the sinks.</summary>
public interface INotificationWriter : IAgentBrain<NotifyIncident, NotificationRecord>;

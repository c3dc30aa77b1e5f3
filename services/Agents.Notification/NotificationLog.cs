namespace Agents.Notification;

internal static partial class NotificationLog
{
    [LoggerMessage(LogLevel.Critical, "PAGE for incident {IncidentId}: {Title}\n{Summary}")]
    public static partial void Page(ILogger logger, Guid incidentId, string title, string summary);

    [LoggerMessage(LogLevel.Information, "Notification ({Priority}) for incident {IncidentId}: {Title}\n{Summary}")]
    public static partial void Notice(ILogger logger, Guid incidentId, string priority, string title, string summary);
}

namespace Agents.Notification;

internal static partial class NotificationLog
{
    [LoggerMessage(LogLevel.Critical, "PAGE for incident {IncidentId}: {Title}\n{Summary}")]
    public static partial void Page(ILogger logger, Guid incidentId, string title, string summary);

    [LoggerMessage(LogLevel.Information, "Notification ({Priority}) for incident {IncidentId}: {Title}\n{Summary}")]
    public static partial void Notice(ILogger logger, Guid incidentId, string priority, string title, string summary);

    [LoggerMessage(LogLevel.Information, "Incident {IncidentId} event {EventKey}: route {Route} to {Channels}")]
    public static partial void Routed(ILogger logger, Guid incidentId, string eventKey, string route, string channels);

    [LoggerMessage(LogLevel.Error, "Incident {IncidentId} event {EventKey}: {Channel} {Target} failed: {Reason}")]
    public static partial void ChannelFailed(ILogger logger, Guid incidentId, string eventKey, string channel, string target, string reason);

    [LoggerMessage(LogLevel.Warning, "Incident {IncidentId} event {EventKey}: {Channel} {Target} was claimed by an earlier attempt that never confirmed it; not sent again (at most once)")]
    public static partial void Unconfirmed(ILogger logger, Guid incidentId, string eventKey, string channel, string target);

    [LoggerMessage(LogLevel.Error, "Incident {IncidentId} event {EventKey}: {Channel} {Target} was delivered but the ledger could not record it ({Error}); a later attempt will report it unconfirmed")]
    public static partial void Unrecorded(ILogger logger, Guid incidentId, string eventKey, string channel, string target, string error);

    [LoggerMessage(LogLevel.Warning, "Incident {IncidentId} event {EventKey}: {Channel} {Target} may have been delivered ({Reason}); not sent again (at most once)")]
    public static partial void Uncertain(ILogger logger, Guid incidentId, string eventKey, string channel, string target, string reason);

    [LoggerMessage(LogLevel.Critical, "Incident {IncidentId} event {EventKey} reached no channel: {Reasons}")]
    public static partial void Unreached(ILogger logger, Guid incidentId, string eventKey, string reasons);
}

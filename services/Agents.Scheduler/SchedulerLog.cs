namespace Agents.Scheduler;

internal static partial class SchedulerLog
{
    [LoggerMessage(LogLevel.Debug, "Scheduled {TokenId} for {ScheduledTime:O} to {Destination}")]
    public static partial void Scheduled(ILogger logger, Guid tokenId, DateTime scheduledTime, Uri destination);

    [LoggerMessage(LogLevel.Debug, "Cancelled {TokenId}")]
    public static partial void Cancelled(ILogger logger, Guid tokenId);

    [LoggerMessage(LogLevel.Debug, "Cancel of {TokenId}: nothing scheduled under that token (already sent or never stored)")]
    public static partial void NothingToCancel(ILogger logger, Guid tokenId);

    [LoggerMessage(LogLevel.Debug, "Sent {TokenId} to {Destination}, due {ScheduledTime:O}, {LatenessMs} ms late")]
    public static partial void Sent(ILogger logger, string tokenId, Uri destination, DateTimeOffset? scheduledTime, double latenessMs);

    [LoggerMessage(LogLevel.Error, "Could not send {TokenId} to {Destination} (fire attempt {Refire}); Quartz will retry")]
    public static partial void SendFailed(ILogger logger, Exception exception, string tokenId, Uri destination, int refire);

    [LoggerMessage(LogLevel.Warning, "Refused to schedule {TokenId} for {Destination}: {Reason}; nothing stored, the message goes to the error queue")]
    public static partial void DestinationRefused(ILogger logger, Guid tokenId, string destination, string reason);

    [LoggerMessage(LogLevel.Error, "Dropped {TokenId} when due: its destination {Destination} is not allowed ({Reason}); nothing sent")]
    public static partial void DroppedAtFire(ILogger logger, string tokenId, string destination, string reason);

    [LoggerMessage(LogLevel.Information, "Stopping: this node fires nothing more and its sends in hand are done; schedules in hand are stored, the rest go back to the queue")]
    public static partial void StoppingConsumption(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Scheduler job store schema is up to date")]
    public static partial void StoreMigrated(ILogger logger);
}

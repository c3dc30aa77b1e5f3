namespace Agents.Scheduler;

/// <summary>
/// The keys under which a scheduled message is stored in Quartz: one durable job sends every message, and each
/// message is a trigger named by its scheduling token (MassTransit's <c>ScheduleMessage.CorrelationId</c>), so
/// that scheduling the same token again replaces it and cancelling it is one delete.
/// </summary>
internal static class ScheduledSend
{
    public const string Group = "agents";
    public static readonly Quartz.JobKey Job = new("scheduled-send", Group);

    public static Quartz.TriggerKey Trigger(Guid tokenId) => new(tokenId.ToString("N"), Group);

    // Job data keys (all values are strings: the store keeps them readable).
    public const string Destination = "Destination";
    public const string Body = "Body";
    public const string ContentType = "ContentType";
    public const string MessageType = "MessageType";
    public const string MessageId = "MessageId";
    public const string CorrelationId = "CorrelationId";
    public const string ConversationId = "ConversationId";
    public const string InitiatorId = "InitiatorId";
    public const string RequestId = "RequestId";
    public const string SourceAddress = "SourceAddress";
    public const string ResponseAddress = "ResponseAddress";
    public const string FaultAddress = "FaultAddress";
    public const string ExpirationTime = "ExpirationTime";
    public const string TokenId = "TokenId";
    public const string Headers = "HeadersAsJson";
}

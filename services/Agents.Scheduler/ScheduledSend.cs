namespace Agents.Scheduler;

/// <summary>
/// The keys under which a scheduled message is stored in Quartz: one durable job sends every message, and each
/// message is a trigger of its own in a group named by its scheduling token (MassTransit's
/// <c>ScheduleMessage.CorrelationId</c>). Cancelling a token deletes its group; scheduling it again deletes the
/// group and stores a new trigger. A trigger is never updated in place: a node that already acquired the old one
/// (triggers are acquired ahead of their time) would otherwise fire the old message and then delete the new one
/// as its own completed trigger; a deleted trigger is skipped at fire time.
/// </summary>
internal static class ScheduledSend
{
    public const string Group = "agents";
    public static readonly Quartz.JobKey Job = new("scheduled-send", Group);

    /// <summary>The content type of MassTransit's envelope, when a schedule arrived without one.</summary>
    public const string EnvelopeContentType = "application/vnd.masstransit+json";

    /// <summary>The trigger group of a token (and so, at fire time, the token of a trigger).</summary>
    public static string TokenGroup(Guid tokenId) => tokenId.ToString("N");

    public static Quartz.TriggerKey Trigger(Guid tokenId, Guid scheduleId) => new(scheduleId.ToString("N"), TokenGroup(tokenId));

    // Job data keys (all values are strings: the store keeps them readable).
    public const string Destination = "Destination";
    public const string Body = "Body";
    public const string ContentType = "ContentType";
    public const string MessageId = "MessageId";
    public const string CorrelationId = "CorrelationId";
    public const string ConversationId = "ConversationId";
    public const string InitiatorId = "InitiatorId";
    public const string RequestId = "RequestId";
    public const string SourceAddress = "SourceAddress";
    public const string ResponseAddress = "ResponseAddress";
    public const string FaultAddress = "FaultAddress";
    public const string ExpirationTime = "ExpirationTime";
    public const string Headers = "HeadersAsJson";

    /// <summary>The W3C <c>traceparent</c> of the span that scheduled the message: the send joins that trace when it fires.</summary>
    public const string TraceParent = "TraceParent";
}

namespace Agents.Contracts.Notification;

public sealed record NotifyIncident : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    /// <summary>One of <see cref="NotificationKinds"/>.</summary>
    public required string Kind { get; init; }

    public required IncidentSnapshot Incident { get; init; }

    /// <summary>Why a human is paged (escalation, emergency).</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// The event's identity for the delivery ledger (e.g. <c>escalation-1</c>): the same command sent again (a retry of
    /// the step, a redelivery, a resume) carries the same key and is never delivered twice on a channel; a new event
    /// (a re-run that escalates again) has a new one. Absent in older messages: the kind stands in.
    /// </summary>
    public string? EventKey { get; init; }

    /// <summary>
    /// The workflow step the notification is about: for an escalation the step that gave up (or whose answer was not
    /// good enough to act on), otherwise the last step that ran before notification. For routes that match on a step.
    /// </summary>
    public string? Step { get; init; }
}

namespace Agents.Contracts.Notification;

/// <summary>One notification as sent: an entry of the notifications segment.</summary>
public sealed record NotificationRecord
{
    public required string Kind { get; init; }

    /// <summary><c>page</c>, <c>high</c>, <c>normal</c> or <c>low</c>.</summary>
    public required string Priority { get; init; }

    public IReadOnlyList<string> Channels { get; init; } = [];

    public required string Title { get; init; }

    public required string Summary { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    /// <summary>What each channel did with it: delivered (when, the provider's id), failed (why), or skipped as already delivered.</summary>
    public IReadOnlyList<ChannelDelivery> Deliveries { get; init; } = [];
}

/// <summary>One channel's delivery of one notification (an entry of <see cref="NotificationRecord.Deliveries"/>).</summary>
public sealed record ChannelDelivery
{
    /// <summary><c>slack</c>, <c>pagerduty</c>, <c>jira</c>, <c>email</c>, <c>webhook</c> or <c>file</c>.</summary>
    public required string Channel { get; init; }

    /// <summary>The channel's destination (a Slack channel, a Jira project, recipients), or empty for a single-destination channel.</summary>
    public string Target { get; init; } = "";

    /// <summary>One of <see cref="ChannelDeliveryStatuses"/>.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>The provider's id of what was created (Slack channel:ts, Jira issue key, PagerDuty dedup key).</summary>
    public string? ExternalId { get; init; }

    /// <summary>Why it failed, or what the channel noted.</summary>
    public string? Detail { get; init; }
}

public static class ChannelDeliveryStatuses
{
    /// <summary>Sent now.</summary>
    public const string Delivered = "delivered";

    /// <summary>This event was delivered on this channel before (a redelivered, resumed or replayed command): not sent again.</summary>
    public const string AlreadyDelivered = "already-delivered";

    /// <summary>
    /// An earlier attempt claimed this delivery and died before it could confirm it: on a channel whose provider does not
    /// deduplicate, it is not sent again (at most once), and a human should check the channel.
    /// </summary>
    public const string Unconfirmed = "unconfirmed";

    /// <summary>Another attempt (a duplicate of the command, consumed at the same moment) was delivering it: not sent by this one.</summary>
    public const string InProgress = "in-progress";

    /// <summary>The channel has nothing to send for this event (e.g. PagerDuty for a low-priority notice).</summary>
    public const string NothingToSend = "nothing-to-send";

    /// <summary>The channel failed (after its own retries); <see cref="ChannelDelivery.Detail"/> says why.</summary>
    public const string Failed = "failed";
}

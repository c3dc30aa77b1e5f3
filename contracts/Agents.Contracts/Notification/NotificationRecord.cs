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
}

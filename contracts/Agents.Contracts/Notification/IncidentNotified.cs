namespace Agents.Contracts.Notification;

public sealed record IncidentNotified : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required NotificationRecord Notification { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

namespace Agents.Contracts.Notification;

public sealed record IncidentNotificationFailed : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Kind { get; init; }

    public required string Reason { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

namespace Agents.Contracts.Deliberation;

/// <summary>Scheduled by the orchestrator when a round starts; delivered by the message scheduler.</summary>
public sealed record DeliberationRoundTimedOut
{
    public required Guid DeliberationId { get; init; }

    public required int Round { get; init; }
}

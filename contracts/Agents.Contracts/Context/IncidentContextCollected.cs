namespace Agents.Contracts.Context;

public sealed record IncidentContextCollected : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required IncidentContext Context { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

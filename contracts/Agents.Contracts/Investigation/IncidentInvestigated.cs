namespace Agents.Contracts.Investigation;

public sealed record IncidentInvestigated : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required Hypothesis Hypothesis { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

namespace Agents.Contracts.Triage;

public sealed record IncidentTriaged : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required TriageResult Result { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

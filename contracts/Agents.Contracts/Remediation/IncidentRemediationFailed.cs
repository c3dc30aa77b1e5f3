namespace Agents.Contracts.Remediation;

public sealed record IncidentRemediationFailed : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Reason { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

namespace Agents.Contracts.Remediation;

public sealed record IncidentRemediated : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required RemediationResult Result { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

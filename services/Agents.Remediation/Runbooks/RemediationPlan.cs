namespace Agents.Remediation.Runbooks;

/// <summary>What a remediation brain proposes: one catalog action with its parameters, and why.</summary>
public sealed record RemediationPlan
{
    public required string ActionId { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public required string Rationale { get; init; }
}

namespace Agents.Contracts.Remediation;

/// <summary>The remediation segment: the runbook action chosen and what executing it did (or would do).</summary>
public sealed record RemediationResult
{
    public required string ActionId { get; init; }

    public required string Description { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public required bool DryRun { get; init; }

    public IReadOnlyList<string> Steps { get; init; } = [];

    public required string Outcome { get; init; }

    public required string Rationale { get; init; }
}

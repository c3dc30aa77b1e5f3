namespace Agents.Contracts.Deliberation;

/// <summary>Request answered by the orchestrator with <see cref="DeliberationDetails"/> or <see cref="DeliberationNotFound"/>.</summary>
public sealed record GetDeliberation
{
    public required Guid DeliberationId { get; init; }
}

namespace Agents.Contracts.Deliberation;

public sealed record DeliberationNotFound
{
    public required Guid DeliberationId { get; init; }
}

namespace Agents.Contracts.Investigation;

public sealed record Evidence
{
    /// <summary><c>deploy</c>, <c>metric</c> or <c>alert</c>.</summary>
    public required string Kind { get; init; }

    public required string Description { get; init; }

    public DateTimeOffset? ObservedAt { get; init; }
}

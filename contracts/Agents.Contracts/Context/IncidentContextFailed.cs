namespace Agents.Contracts.Context;

public sealed record IncidentContextFailed
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Reason { get; init; }
}

namespace Agents.Contracts.Investigation;

public sealed record IncidentInvestigationFailed
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Reason { get; init; }
}

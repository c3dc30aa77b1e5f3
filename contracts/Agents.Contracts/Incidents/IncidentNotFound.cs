namespace Agents.Contracts.Incidents;

public sealed record IncidentNotFound
{
    public required Guid IncidentId { get; init; }
}

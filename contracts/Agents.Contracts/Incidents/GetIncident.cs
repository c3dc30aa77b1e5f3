namespace Agents.Contracts.Incidents;

/// <summary>Request answered by the orchestrator with <see cref="IncidentDetails"/> or <see cref="IncidentNotFound"/>.</summary>
public sealed record GetIncident
{
    public required Guid IncidentId { get; init; }
}

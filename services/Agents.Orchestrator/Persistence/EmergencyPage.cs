namespace Agents.Orchestrator.Persistence;

/// <summary>
/// The emergency page sent for an incident the orchestrator itself failed on: one row per incident, so that a
/// human is paged once however many of its messages fault, on however many orchestrators.
/// </summary>
public sealed class EmergencyPage
{
    public Guid IncidentId { get; set; }

    public DateTimeOffset PagedAt { get; set; }

    public required string Reason { get; set; }
}

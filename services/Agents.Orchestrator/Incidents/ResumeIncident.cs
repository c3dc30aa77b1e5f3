namespace Agents.Orchestrator.Incidents;

/// <summary>Orchestrator -> its own saga, at start-up: re-send the command of the step this incident awaits.</summary>
public sealed record ResumeIncident
{
    public required Guid IncidentId { get; init; }

    public required string Reason { get; init; }
}

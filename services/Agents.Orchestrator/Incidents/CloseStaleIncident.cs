namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Orchestrator -> its own saga (the <see cref="Persistence.StaleIncidentSweeper"/> of any replica): close this escalated
/// incident, open longer than <see cref="MaxOpenAge"/> since it was created. The saga checks again against its own copy
/// (still Escalated, still open, created before <see cref="AsOf"/> minus <see cref="MaxOpenAge"/>) and ignores the
/// command otherwise, so that a duplicate, or a human's resolution in between, is harmless.
/// </summary>
public sealed record CloseStaleIncident
{
    public required Guid IncidentId { get; init; }

    /// <summary>The limit the sweeper applied (<see cref="OrchestratorOptions.EscalatedMaxOpenAge"/>).</summary>
    public required TimeSpan MaxOpenAge { get; init; }

    /// <summary>The sweeper's clock when it found the incident: the incident's age is measured at this instant.</summary>
    public required DateTimeOffset AsOf { get; init; }
}

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Orchestrator -> its own saga, from the overdue sweep: the awaited step's deadline passed some time ago and its timeout
/// has not arrived (lost with the command after the incident was saved, or the scheduler far behind). The saga handles it
/// as that timeout when the step and attempt are still awaited, and ignores it otherwise.
/// </summary>
public sealed record StepOverdue
{
    public required Guid IncidentId { get; init; }

    public required string Step { get; init; }

    public required int Attempt { get; init; }

    /// <summary>For the timeline: "its timeout had not arrived 10s after it (overdue sweep)".</summary>
    public required string Reason { get; init; }
}

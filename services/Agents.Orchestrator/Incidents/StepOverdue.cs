namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Orchestrator -> its own saga, from the overdue sweep (<see cref="Persistence.IncidentRecovery"/>): the awaited step's
/// deadline, kept on the incident row, has passed. This is how a step times out: no message is scheduled per step. The
/// saga handles it as the step's timeout when that step, attempt and deadline are still awaited, and ignores it otherwise.
/// </summary>
public sealed record StepOverdue
{
    public required Guid IncidentId { get; init; }

    public required string Step { get; init; }

    public required int Attempt { get; init; }

    /// <summary>
    /// The deadline the sweep found passed: a step that waits again under a new deadline (the next verification check,
    /// a re-run) ignores one fired for its previous deadline. Null from an orchestrator older than this field.
    /// </summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>
    /// For the timeline, when the step was found well after its deadline (e.g. "fired 2m 10s after it, by the overdue
    /// sweep"); empty when on time (never null: an orchestrator of the version before reads it as required).
    /// </summary>
    public string Reason { get; init; } = "";
}

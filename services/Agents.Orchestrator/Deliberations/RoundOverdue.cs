namespace Agents.Orchestrator.Deliberations;

/// <summary>
/// Orchestrator -> its own deliberation saga, from the overdue sweep: the round's timeout is past due by more than the
/// grace and has not arrived (lost with the round's requests, or the scheduler far behind). Handled as that timeout when
/// the round is still the current one; ignored otherwise.
/// </summary>
public sealed record RoundOverdue
{
    public required Guid DeliberationId { get; init; }

    public required int Round { get; init; }
}

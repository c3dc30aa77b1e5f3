namespace Agents.Contracts.Incidents;

/// <summary>Scheduled by the orchestrator when it sends a step's command; delivered by the message scheduler.</summary>
public sealed record StepTimedOut
{
    public required Guid IncidentId { get; init; }

    public required string Step { get; init; }

    public required int Attempt { get; init; }
}

using Agents.Contracts.Alerts;

namespace Agents.Contracts.Triage;

public sealed record TriageIncident : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required AlertPayload Alert { get; init; }

    public string? PreviousFailure { get; init; }
}

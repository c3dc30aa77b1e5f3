using Agents.Contracts.Alerts;
using Agents.Contracts.Triage;

namespace Agents.Contracts.Context;

public sealed record CollectIncidentContext : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required AlertPayload Alert { get; init; }

    public required TriageResult Triage { get; init; }

    public string? PreviousFailure { get; init; }
}

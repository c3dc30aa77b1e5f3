using Agents.Contracts.Context;
using Agents.Contracts.Triage;

namespace Agents.Contracts.Investigation;

public sealed record InvestigateIncident : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required TriageResult Triage { get; init; }

    public required IncidentContext Context { get; init; }

    /// <summary>Why the previous attempt failed; for a contradiction, the contradiction itself.</summary>
    public string? PreviousFailure { get; init; }
}

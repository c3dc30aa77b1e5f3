using Agents.Contracts.Context;
using Agents.Contracts.Investigation;

namespace Agents.Contracts.Remediation;

public sealed record RemediateIncident : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Service { get; init; }

    public required Hypothesis Hypothesis { get; init; }

    public required IncidentContext Context { get; init; }
}

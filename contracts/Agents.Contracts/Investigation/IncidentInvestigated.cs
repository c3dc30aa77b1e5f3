namespace Agents.Contracts.Investigation;

public sealed record IncidentInvestigated
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required Hypothesis Hypothesis { get; init; }
}

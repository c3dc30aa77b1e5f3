namespace Agents.Contracts.Triage;

public sealed record IncidentTriaged
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required TriageResult Result { get; init; }
}

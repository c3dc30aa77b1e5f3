namespace Agents.Contracts.Triage;

public sealed record IncidentTriageFailed
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Reason { get; init; }
}

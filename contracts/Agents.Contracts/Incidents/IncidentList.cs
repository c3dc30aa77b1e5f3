namespace Agents.Contracts.Incidents;

public sealed record IncidentList
{
    public IReadOnlyList<IncidentSummary> Items { get; init; } = [];
}

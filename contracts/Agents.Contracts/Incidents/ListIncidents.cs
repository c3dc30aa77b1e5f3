namespace Agents.Contracts.Incidents;

/// <summary>Request answered by the orchestrator with <see cref="IncidentList"/>.</summary>
public sealed record ListIncidents
{
    public string? Status { get; init; }

    public string? Fingerprint { get; init; }

    public int Limit { get; init; } = 50;
}

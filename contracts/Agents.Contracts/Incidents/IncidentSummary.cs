namespace Agents.Contracts.Incidents;

public sealed record IncidentSummary
{
    public required Guid IncidentId { get; init; }

    public required string Status { get; init; }

    public string? Severity { get; init; }

    public string? Service { get; init; }

    public required string Fingerprint { get; init; }

    public required string Title { get; init; }

    public required int AlertCount { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who acknowledged the incident (someone is on it), or null.</summary>
    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }
}

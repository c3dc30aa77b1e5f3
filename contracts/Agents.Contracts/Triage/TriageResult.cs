namespace Agents.Contracts.Triage;

/// <summary>The alert segment: what triage made of the raw alert.</summary>
public sealed record TriageResult
{
    /// <summary>One of <see cref="Severities"/>.</summary>
    public required string Severity { get; init; }

    /// <summary>The affected service: the service catalog's entry the alert matched, else the alert's service (its service field or a conventional label), never free text.</summary>
    public required string Service { get; init; }

    /// <summary>How the alert matched its service catalog entry (e.g. <c>labels app=checkout</c>); null when no entry matched.</summary>
    public string? CatalogMatch { get; init; }

    /// <summary>A short class of failure, e.g. <c>error-rate</c>, <c>latency</c>, <c>saturation</c>, <c>availability</c>.</summary>
    public required string ErrorType { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public required string Summary { get; init; }

    public required string Rationale { get; init; }
}

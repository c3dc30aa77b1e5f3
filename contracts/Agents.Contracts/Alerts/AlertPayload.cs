namespace Agents.Contracts.Alerts;

/// <summary>An alert as intake normalised it, whatever format it arrived in.</summary>
public sealed record AlertPayload
{
    /// <summary><c>pagerduty</c>, <c>alertmanager</c> or <c>generic</c>.</summary>
    public required string Format { get; init; }

    /// <summary>The producer named in the alert (PagerDuty service, Alertmanager receiver, generic <c>source</c>).</summary>
    public required string Source { get; init; }

    /// <summary>Identity of the alert: PagerDuty incident id, Alertmanager fingerprint, else a stable hash.</summary>
    public required string Fingerprint { get; init; }

    public required string Summary { get; init; }

    public string? Service { get; init; }

    /// <summary>Severity as the producer stated it (urgency, priority or label), not yet classified.</summary>
    public string? Severity { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public string? ExternalId { get; init; }

    public string? Url { get; init; }
}

namespace Agents.Hosting.Catalog;

/// <summary>
/// What Prometheus is asked (PromQL, expanded). Any query may be null (not asked). <see cref="Selector"/> is the label
/// matchers that pick the service's series (e.g. <c>service_name="checkout"</c>), used by the templates as <c>$selector</c>.
/// </summary>
public sealed record PrometheusQueries
{
    public required string Selector { get; init; }

    /// <summary>Fraction of requests that failed, 0..1.</summary>
    public string? ErrorRatio { get; init; }

    /// <summary>99th percentile latency in seconds.</summary>
    public string? LatencyP99 { get; init; }

    /// <summary>Utilisation of the scarcest resource, 0..1.</summary>
    public string? Saturation { get; init; }

    /// <summary>Container restarts per interval.</summary>
    public string? Restarts { get; init; }
}

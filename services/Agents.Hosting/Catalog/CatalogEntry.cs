namespace Agents.Hosting.Catalog;

/// <summary>
/// One service of the service catalog (<c>deploy/services.yaml</c>): how alerts are matched to it, who owns it, what it
/// depends on, and what each telemetry source is asked about it. Query templates are already expanded
/// (<c>$service</c>, <c>$selector</c>, <c>$namespace</c>, <c>$workload</c> replaced) when an entry is handed out.
/// </summary>
public sealed record CatalogEntry
{
    public const string CriticalTier = "critical";
    public const string StandardTier = "standard";

    public required string Name { get; init; }

    /// <summary>Other names the service goes by (in alerts, in other entries' <see cref="DependsOn"/>); unique across the catalog, ignoring case.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>True for the catalog's default entry, used (under the alert's service name) for a service the catalog does not list.</summary>
    public bool IsDefault { get; init; }

    public IReadOnlyList<AlertMatcher> Match { get; init; } = [];

    public string? Team { get; init; }

    /// <summary><see cref="CriticalTier"/> or <see cref="StandardTier"/>.</summary>
    public string Tier { get; init; } = StandardTier;

    public bool IsCritical => Tier == CriticalTier;

    public string? Environment { get; init; }

    public KubernetesTarget? Kubernetes { get; init; }

    /// <summary>Names of the services this one calls; each is looked up in the catalog the same way.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    public PrometheusQueries? Prometheus { get; init; }

    public LokiQuery? Loki { get; init; }

    public DatadogQueries? Datadog { get; init; }

    public CloudWatchQueries? CloudWatch { get; init; }

    public PagerDutyTarget? PagerDuty { get; init; }

    /// <summary>Where notifications about this service go; read by the notification work that follows (kept as written).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Notifications { get; init; } = [];

    /// <summary>How the remediation service may act on this service (mode, allowed actions, cooldown, verification, freeze windows); null: the defaults.</summary>
    public RemediationSettings? Remediation { get; init; }
}

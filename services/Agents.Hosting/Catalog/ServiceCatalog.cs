using Agents.Contracts.Alerts;

namespace Agents.Hosting.Catalog;

/// <summary>
/// The service catalog (<c>deploy/services.yaml</c>, setting <c>Catalog__Path</c>): the services alerts are matched to and
/// what every telemetry source is asked about each, plus a default entry for the services it does not list.
/// </summary>
public sealed class ServiceCatalog
{
    /// <summary>The alert label holding the service's name (Alertmanager and generic alerts).</summary>
    public const string ServiceLabel = "service";

    /// <summary>
    /// The default entry's Prometheus templates: the OpenTelemetry HTTP server conventions as Prometheus exposes them. The
    /// error count falls back to 0 (<c>or vector(0)</c>): a healthy service that never answered a 5xx has no such series,
    /// and without the fallback its error ratio would have no value at all before the incident (no baseline, no step).
    /// </summary>
    public static readonly PrometheusQueries OpenTelemetryPrometheus = new()
    {
        Selector = "service_name=\"$service\"",
        ErrorRatio = "(sum(rate(http_server_request_duration_seconds_count{$selector,http_response_status_code=~\"5..\"}[5m])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{$selector}[5m]))",
        LatencyP99 = "histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{$selector}[5m])))",
        Saturation = null,
        Restarts = null,
    };

    private readonly Dictionary<string, CatalogEntry> _byName;

    /// <param name="services">The listed services, templates expanded, in file order; names and aliases unique ignoring case.</param>
    /// <param name="defaultEntry">The default entry as written (templates not expanded).</param>
    /// <param name="origin">Where it was read from.</param>
    public ServiceCatalog(IReadOnlyList<CatalogEntry> services, CatalogEntry defaultEntry, string origin)
    {
        Services = services;
        DefaultEntry = defaultEntry;
        Origin = origin;
        _byName = new Dictionary<string, CatalogEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in services)
        {
            foreach (var name in entry.Aliases.Prepend(entry.Name))
            {
                _byName.TryAdd(name, entry);
            }
        }
    }

    /// <summary>A catalog with no services and the built-in default entry.</summary>
    public static ServiceCatalog BuiltIn { get; } = new([], new CatalogEntry { Name = "default", IsDefault = true, Prometheus = OpenTelemetryPrometheus }, "built-in");

    /// <summary>The listed services in file order, their templates expanded.</summary>
    public IReadOnlyList<CatalogEntry> Services { get; }

    /// <summary>The default entry as written (its templates not yet expanded for a service).</summary>
    public CatalogEntry DefaultEntry { get; }

    /// <summary>Where it was read from (a path, or <c>built-in</c>).</summary>
    public string Origin { get; }

    /// <summary>Reads and validates a catalog file; a missing or invalid file throws <see cref="CatalogConfigurationException"/> naming it and every problem.</summary>
    public static ServiceCatalog Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new CatalogConfigurationException($"Service catalog '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads and validates catalog YAML; <paramref name="origin"/> names it in errors and becomes <see cref="Origin"/>.</summary>
    public static ServiceCatalog Parse(string yaml, string origin)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrWhiteSpace(origin);
        return ServiceCatalogLoader.Parse(yaml, origin);
    }

    /// <summary>
    /// The listed service the alert is about, or null when none is. First, the first listed service (in file order) one of
    /// whose matchers matches the alert; failing that, the service whose name or alias (ignoring case) is the alert's
    /// <see cref="AlertPayload.Service"/>, else its <c>service</c> label.
    /// </summary>
    public CatalogMatch? Match(AlertPayload alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        foreach (var entry in Services)
        {
            foreach (var matcher in entry.Match)
            {
                if (Matches(matcher, alert))
                {
                    return new CatalogMatch(entry, matcher.Describe());
                }
            }
        }

        return ByName(alert.Service, "alert service ") ?? ByName(alert.Labels.GetValueOrDefault(ServiceLabel), "label service=");
    }

    /// <summary>
    /// The entry named <paramref name="service"/> or with that alias (ignoring case), else the default entry expanded for
    /// that name. The name comes from an alert (outside input) and is written into queries: a name that is not a plain
    /// identifier (<see cref="IsQueryableName"/>) gets the default entry with no query at all, so nothing can be injected
    /// into PromQL, LogQL or a Datadog query.
    /// </summary>
    public CatalogEntry Resolve(string service)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (_byName.TryGetValue(service, out var entry))
        {
            return entry;
        }

        return IsQueryableName(service)
            ? CatalogTemplates.Expand(DefaultEntry with { Name = service, IsDefault = true })
            : DefaultEntry with
            {
                Name = service, IsDefault = true, Prometheus = null, Loki = null, Datadog = null, CloudWatch = null, PagerDuty = null, Kubernetes = null,
                Remediation = DefaultEntry.Remediation is { Verify: { } verify } remediation ? remediation with { Verify = verify with { Query = null, Below = null, Above = null } } : DefaultEntry.Remediation,
            };
    }

    /// <summary>Letters, digits, <c>.</c>, <c>_</c>, <c>-</c> and <c>/</c>, at most 253 characters: safe inside any query's quoted string.</summary>
    public static bool IsQueryableName(string name) =>
        name.Length is > 0 and <= 253 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/');

    private CatalogMatch? ByName(string? name, string field)
    {
        if (string.IsNullOrWhiteSpace(name) || !_byName.TryGetValue(name, out var entry))
        {
            return null;
        }

        var how = string.Equals(name, entry.Name, StringComparison.OrdinalIgnoreCase) ? "its name" : "an alias";
        return new CatalogMatch(entry, $"{field}{name}, {how}");
    }

    private static bool Matches(AlertMatcher matcher, AlertPayload alert)
    {
        if (matcher.PagerDutyServiceId is { } id)
        {
            return alert.Labels.TryGetValue("service_id", out var value) && string.Equals(value, id, StringComparison.Ordinal);
        }

        return matcher.Labels.Count > 0
            && matcher.Labels.All(l => alert.Labels.TryGetValue(l.Key, out var value) && string.Equals(value, l.Value, StringComparison.Ordinal));
    }
}

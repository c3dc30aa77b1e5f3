using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Agents.Hosting.Catalog;

/// <summary>
/// Reads an entry's per-source sections (prometheus, loki, datadog, cloudwatch, kubernetes, pagerduty). The query
/// sections layer: a key left out takes the inherited section's value (the default entry's, itself layered on the
/// built-in one), a key set to null is not asked, and a whole section set to null switches that source off for the entry.
/// </summary>
internal static partial class CatalogSourceReader
{
    public static readonly string[] PrometheusKeys = ["selector", "errorRatio", "latencyP99", "saturation", "restarts"];
    public static readonly string[] LokiKeys = ["selector", "filter"];
    public static readonly string[] DatadogKeys = ["tags", "errorRatio", "latencyP99", "saturation", "saturationIsPercent", "logs"];
    public static readonly string[] CloudWatchKeys = ["region", "namespace", "dimensions", "errorRatio", "latencyP99", "saturation"];
    public static readonly string[] CloudWatchMetricKeys = ["metricName", "stat", "namespace", "dimensions"];
    public static readonly string[] CloudWatchRatioKeys = ["errors", "requests"];
    public static readonly string[] KubernetesKeys = ["cluster", "namespace", "workload"];
    public static readonly string[] PagerDutyKeys = ["serviceId"];

    private const string Service = "service";
    private const string Selector = "selector";
    private const string Namespace = "namespace";
    private const string Workload = "workload";

    public static PrometheusQueries? Prometheus(CatalogSection entry, PrometheusQueries? inherited, TemplateScope scope)
    {
        const string key = "prometheus";
        if (!entry.Has(key))
        {
            return inherited;
        }

        if (entry.Section(key, PrometheusKeys) is not { } section)
        {
            return null;
        }

        var selector = Template(section, Selector, inherited?.Selector, scope);
        if (selector is null && (!section.Has(Selector) || section.IsNull(Selector)))
        {
            section.Errors.Add(section.Place(Selector), section.At(Selector), "required: the label matchers of the service's series, e.g. service_name=\"$service\"");
        }

        var queries = scope with { Selector = true };
        var errorRatio = Template(section, "errorRatio", inherited?.ErrorRatio, queries);
        var latency = Template(section, "latencyP99", inherited?.LatencyP99, queries);
        var saturation = Template(section, "saturation", inherited?.Saturation, queries);
        var restarts = Template(section, "restarts", inherited?.Restarts, queries);
        return selector is null
            ? null
            : new PrometheusQueries { Selector = selector, ErrorRatio = errorRatio, LatencyP99 = latency, Saturation = saturation, Restarts = restarts };
    }

    public static LokiQuery? Loki(CatalogSection entry, LokiQuery? inherited, TemplateScope scope)
    {
        const string key = "loki";
        if (!entry.Has(key))
        {
            return inherited;
        }

        if (entry.Section(key, LokiKeys) is not { } section)
        {
            return null;
        }

        var selector = Template(section, Selector, inherited?.Selector, scope);
        if (selector is null && (!section.Has(Selector) || section.IsNull(Selector)))
        {
            section.Errors.Add(section.Place(Selector), section.At(Selector), "required: the LogQL stream selector of the service's logs, e.g. {service_name=\"$service\"}");
        }

        // The line filter is used as written: a filter set to null keeps every line of the stream.
        var filter = section.Has("filter")
            ? Template(section, "filter", null, TemplateScope.None) ?? ""
            : inherited?.Filter;
        if (selector is null)
        {
            return null;
        }

        var loki = new LokiQuery { Selector = selector };
        return filter is null ? loki : loki with { Filter = filter };
    }

    public static DatadogQueries? Datadog(CatalogSection entry, DatadogQueries? inherited, TemplateScope scope)
    {
        const string key = "datadog";
        if (!entry.Has(key))
        {
            return inherited;
        }

        if (entry.Section(key, DatadogKeys) is not { } section)
        {
            return null;
        }

        var tags = inherited?.Tags ?? [];
        if (section.Has("tags"))
        {
            var given = section.Strings("tags") ?? [];
            foreach (var (tag, node) in given)
            {
                CheckPlaceholders(section, section.At("tags"), node, tag, scope);
            }

            tags = given.Select(t => t.Value).ToList();
        }

        if (tags.Count == 0)
        {
            section.Errors.Add(section.Place("tags"), section.At("tags"), "required: at least one tag such as service:$service, to find the service's events");
        }

        return new DatadogQueries
        {
            Tags = tags,
            ErrorRatio = Template(section, "errorRatio", inherited?.ErrorRatio, scope),
            LatencyP99 = Template(section, "latencyP99", inherited?.LatencyP99, scope),
            Saturation = Template(section, "saturation", inherited?.Saturation, scope),
            SaturationIsPercent = section.Has("saturationIsPercent") ? section.Bool("saturationIsPercent") ?? false : inherited?.SaturationIsPercent ?? false,
            Logs = Template(section, "logs", inherited?.Logs, scope),
        };
    }

    public static CloudWatchQueries? CloudWatch(CatalogSection entry)
    {
        if (entry.Section("cloudwatch", CloudWatchKeys) is not { } section)
        {
            return null;
        }

        var region = section.String("region");
        if (region is not null && !RegionName().IsMatch(region))
        {
            section.Errors.Add(section.Place("region"), section.At("region"), $"'{region}' is not an AWS region such as eu-west-1");
        }

        var ns = section.RequiredString(Namespace, "the CloudWatch namespace of the service's metrics, e.g. AWS/ApplicationELB");
        var dimensions = section.Map("dimensions", "dimensions") ?? new Dictionary<string, string>();
        CloudWatchRatio? errorRatio = null;
        if (section.Section("errorRatio", CloudWatchRatioKeys) is { } ratio)
        {
            var errors = ratio.RequiredString("errors", "the metric counting failed requests, e.g. HTTPCode_Target_5XX_Count");
            var requests = ratio.RequiredString("requests", "the metric counting all requests, e.g. RequestCount");
            errorRatio = errors is null || requests is null ? null : new CloudWatchRatio { Errors = errors, Requests = requests };
        }

        var latency = CloudWatchMetric(section, "latencyP99");
        var saturation = CloudWatchMetric(section, "saturation");
        if (!new[] { "errorRatio", "latencyP99", "saturation" }.Any(k => section.Has(k) && !section.IsNull(k)))
        {
            section.Errors.Add(section.Node, section.Path, "asks for no metric: give errorRatio, latencyP99 or saturation");
        }

        return ns is null
            ? null
            : new CloudWatchQueries
            {
                Region = region,
                Namespace = ns,
                Dimensions = dimensions,
                ErrorRatio = errorRatio,
                LatencyP99 = latency,
                Saturation = saturation,
            };
    }

    /// <summary>The workload defaults to <c>deployment/NAME</c> (the entry's name).</summary>
    public static KubernetesTarget? Kubernetes(CatalogSection entry, string? name)
    {
        if (entry.Section("kubernetes", KubernetesKeys) is not { } section)
        {
            return null;
        }

        var cluster = section.String("cluster");
        var ns = section.RequiredString(Namespace, "the namespace the workload runs in");
        if (ns is not null && !(ns.Length <= 63 && DnsLabel().IsMatch(ns)))
        {
            section.Errors.Add(section.Place(Namespace), section.At(Namespace), $"'{ns}' is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)");
        }

        var workload = section.String(Workload) ?? $"deployment/{name?.ToLowerInvariant() ?? "unnamed"}";
        if (!WorkloadName().IsMatch(workload) || workload.Split('/', 2)[^1].Length > 253)
        {
            section.Errors.Add(section.Place(Workload), section.At(Workload),
                section.Has(Workload)
                    ? $"'{workload}' is not deployment/NAME or statefulset/NAME (NAME: lower-case letters, digits, '-' and '.')"
                    : $"left out, it would be '{workload}', which is not a Kubernetes name: give deployment/NAME or statefulset/NAME");
        }

        return ns is null ? null : new KubernetesTarget { Cluster = cluster, Namespace = ns, Workload = workload };
    }

    public static PagerDutyTarget? PagerDuty(CatalogSection entry)
    {
        if (entry.Section("pagerduty", PagerDutyKeys) is not { } section)
        {
            return null;
        }

        return section.RequiredString("serviceId", "the PagerDuty service id, e.g. PABC123") is { } id && CheckPagerDutyId(section.Errors, section.Place("serviceId"), section.At("serviceId"), id)
            ? new PagerDutyTarget { ServiceId = id }
            : null;
    }

    public static bool CheckPagerDutyId(CatalogYamlErrors errors, YamlNode node, string path, string id)
    {
        if (PagerDutyId().IsMatch(id))
        {
            return true;
        }

        errors.Add(node, path, $"'{id}' is not a PagerDuty service id (letters and digits, e.g. PABC123)");
        return false;
    }

    private static CloudWatchMetric? CloudWatchMetric(CatalogSection cloudWatch, string key)
    {
        if (cloudWatch.Section(key, CloudWatchMetricKeys) is not { } section)
        {
            return null;
        }

        var name = section.RequiredString("metricName", "the metric's name, e.g. TargetResponseTime");
        var stat = section.RequiredString("stat", "the statistic, e.g. Average, Maximum or p99");
        if (stat is not null && !Statistic().IsMatch(stat))
        {
            section.Errors.Add(section.Place("stat"), section.At("stat"), $"'{stat}' is not a CloudWatch statistic (Average, Sum, Minimum, Maximum, SampleCount, or a percentile such as p99)");
        }

        var ns = section.String(Namespace);
        var dimensions = section.Map("dimensions", "dimensions");
        return name is null || stat is null ? null : new CloudWatchMetric { MetricName = name, Stat = stat, Namespace = ns, Dimensions = dimensions };
    }

    /// <summary>The key's template as written (checked), the inherited one when the key is absent, null when set to null.</summary>
    private static string? Template(CatalogSection section, string key, string? inherited, TemplateScope scope)
    {
        if (!section.Has(key))
        {
            return inherited;
        }

        // Kept even when refused, so that entries inheriting it report no second, derived problem (any problem stops the load).
        var text = section.String(key);
        if (text is not null)
        {
            CheckPlaceholders(section, section.At(key), section.Place(key), text, scope);
        }

        return text;
    }

    public static void CheckPlaceholders(CatalogSection section, string path, YamlNode node, string template, TemplateScope scope)
    {
        foreach (var name in Placeholder().Matches(template).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal))
        {
            var problem = name switch
            {
                Service when scope.Service => null,
                Selector when scope.Selector => null,
                Namespace or Workload when scope.Service && scope.Kubernetes => null,
                Namespace or Workload when scope.Service && scope.IsDefault => "cannot be used in the default entry: it has no kubernetes section",
                Namespace or Workload when scope.Service => "needs a kubernetes section in this entry (it has none)",
                Selector when scope.Service => "can only be used in prometheus queries, not in a selector",
                _ when !scope.Service => "is not expanded here (placeholders are expanded in selectors, queries, tags and logs searches only)",
                _ => $"is not a placeholder (known: {scope.Known})",
            };
            if (problem is not null)
            {
                section.Errors.Add(node, path, $"'${name}' {problem}");
            }
        }
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^(deployment|statefulset)/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex WorkloadName();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionName();

    [GeneratedRegex("^[A-Za-z0-9]+$")]
    private static partial Regex PagerDutyId();

    [GeneratedRegex(@"^(Average|Sum|Minimum|Maximum|SampleCount|IQM|(p|tm|wm|tc|ts)[0-9]{1,2}(\.[0-9]+)?|(TM|WM|TC|TS|PR)\([^)]*\))$")]
    private static partial Regex Statistic();
}

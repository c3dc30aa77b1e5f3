namespace Agents.Hosting.Catalog;

/// <summary>
/// Expands the placeholders of an entry's query templates: <c>$service</c> (the entry's name), <c>$selector</c> (its
/// Prometheus selector, itself expanded first), <c>$namespace</c> and <c>$workload</c> (the workload's name, from
/// <c>kubernetes</c>), in the telemetry queries and the remediation verify query. A placeholder with nothing to stand for is left as written (the loader refuses that in a file).
/// </summary>
public static class CatalogTemplates
{
    public static CatalogEntry Expand(CatalogEntry entry)
    {
        string? Fill(string? template, string? selector = null)
        {
            if (template is null)
            {
                return null;
            }

            var text = template.Replace("$selector", selector ?? "$selector", StringComparison.Ordinal)
                .Replace("$service", entry.Name, StringComparison.Ordinal);
            if (entry.Kubernetes is { } k)
            {
                text = text.Replace("$namespace", k.Namespace, StringComparison.Ordinal)
                    .Replace("$workload", k.WorkloadName, StringComparison.Ordinal);
            }

            return text;
        }

        var prometheus = entry.Prometheus;
        if (prometheus is not null)
        {
            var selector = Fill(prometheus.Selector)!;
            prometheus = prometheus with
            {
                Selector = selector,
                ErrorRatio = Fill(prometheus.ErrorRatio, selector),
                LatencyP99 = Fill(prometheus.LatencyP99, selector),
                Saturation = Fill(prometheus.Saturation, selector),
                Restarts = Fill(prometheus.Restarts, selector),
            };
        }

        return entry with
        {
            Prometheus = prometheus,
            Loki = entry.Loki is { } loki ? loki with { Selector = Fill(loki.Selector)! } : null,
            Datadog = entry.Datadog is { } dd
                ? dd with
                {
                    Tags = dd.Tags.Select(t => Fill(t)!).ToList(),
                    ErrorRatio = Fill(dd.ErrorRatio),
                    LatencyP99 = Fill(dd.LatencyP99),
                    Saturation = Fill(dd.Saturation),
                    Logs = Fill(dd.Logs),
                }
                : null,
            Remediation = entry.Remediation is { Verify.Query: { } query } remediation
                ? remediation with { Verify = remediation.Verify with { Query = Fill(query) } }
                : entry.Remediation,
        };
    }
}

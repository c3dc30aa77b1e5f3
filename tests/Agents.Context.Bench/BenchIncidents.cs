using System.Globalization;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Triage;

namespace Agents.Context.Bench;

/// <summary>The context step's command for an incident: an Alertmanager alert as triage saw it, about checkout or search.</summary>
internal static class BenchIncidents
{
    /// <summary>Incident <paramref name="number"/>: checkout's error ratio alert for even numbers, search's latency alert for odd ones.</summary>
    public static CollectIncidentContext Collect(int number, DateTimeOffset at)
    {
        var service = BenchCatalog.IncidentServices[Math.Abs(number) % BenchCatalog.IncidentServices.Count];
        var checkout = service == BenchCatalog.Checkout;
        var summary = checkout ? "checkout 5xx error ratio above 5% (11.8%)" : "search p99 latency above 500ms (690ms)";
        var alert = new AlertPayload
        {
            Format = "alertmanager",
            Source = "prometheus-prod-eu",
            Fingerprint = string.Create(CultureInfo.InvariantCulture, $"{number & 0xffff:x4}{Guid.NewGuid():N}")[..16],
            Summary = summary,
            Service = service,
            Severity = "critical",
            OccurredAt = at,
            Labels = new Dictionary<string, string>
            {
                ["alertname"] = checkout ? "CheckoutHighErrorRatio" : "SearchHighLatency",
                ["app"] = service,
                ["namespace"] = "shop",
                ["cluster"] = "prod-eu",
                ["severity"] = "critical",
                ["team"] = checkout ? "payments" : "discovery",
                ["prometheus"] = "monitoring/k8s",
            },
            Annotations = new Dictionary<string, string>
            {
                ["summary"] = summary,
                ["description"] = checkout
                    ? "The share of checkout's HTTP requests answered 5xx has been above 5% for 5 minutes (now 11.8%). Customers cannot complete orders; payments and inventory calls are in the path."
                    : "search's 99th percentile request duration has been above 500ms for 10 minutes (now 690ms). Result pages time out for some users.",
                ["runbook_url"] = $"https://runbooks.example.com/{service}/{(checkout ? "high-error-ratio" : "high-latency")}",
                ["dashboard"] = $"https://grafana.example.com/d/{service}-red/{service}?orgId=1&var-namespace=shop",
            },
            Url = $"https://alertmanager.example.com/#/alerts?receiver=agents&filter=%7Bapp%3D%22{service}%22%7D",
        };
        return new CollectIncidentContext
        {
            IncidentId = Guid.NewGuid(),
            Attempt = 1,
            Alert = alert,
            Triage = new TriageResult
            {
                Severity = "critical",
                Service = service,
                CatalogMatch = $"labels app={service}",
                ErrorType = checkout ? "error-rate" : "latency",
                OccurredAt = at,
                Summary = $"[critical] {service}: {summary}",
                Rationale = "severity label critical; service from the catalog (labels app)",
            },
        };
    }
}

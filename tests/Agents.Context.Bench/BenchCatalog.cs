using Agents.Hosting.Catalog;
using static Agents.Testing.PrometheusHistory;

namespace Agents.Context.Bench;

/// <summary>
/// The services of the benchmark: the catalog the collector reads (every source section set for the two services
/// incidents are about, checkout and search, and Datadog and CloudWatch parts for the services they depend on, so that
/// dependency queries are made too), and what each service's telemetry did (<see cref="Shapes"/>), which every source's
/// data follows.
/// </summary>
internal static class BenchCatalog
{
    public const string Checkout = "checkout";
    public const string Search = "search";

    /// <summary>The services incidents are about, in turn.</summary>
    public static readonly IReadOnlyList<string> IncidentServices = [Checkout, Search];

    /// <summary>Services Prometheus holds history for that no incident is about, so that its index is not only ours.</summary>
    public static readonly IReadOnlyList<string> OtherServices = ["cart", "frontend", "auth", "shipping", "recommendations", "notifications"];

    public const string Yaml = """
        default:
          tier: standard
          prometheus:
            selector: 'service_name="$service"'
            saturation: 'max(process_cpu_utilization_ratio{$selector})'

        services:
          - name: checkout
            match:
              - labels: { app: checkout }
              - pagerdutyService: P1CHK7Q
            team: payments
            tier: critical
            environment: production
            kubernetes: { cluster: prod-eu, namespace: shop, workload: deployment/checkout }
            dependsOn: [payments, inventory]
            prometheus:
              selector: 'service_name="$service"'
              saturation: 'max(process_cpu_utilization_ratio{$selector})'
            loki:
              selector: '{namespace="$namespace", container="$service"}'
              filter: '|~ "(?i)(error|exception|panic|timeout)"'
            datadog:
              tags: ["service:$service", "env:production"]
              errorRatio: 'sum:trace.http.request.errors{service:$service,env:production}.as_count() / sum:trace.http.request.hits{service:$service,env:production}.as_count()'
              latencyP99: 'p99:trace.http.request{service:$service,env:production}'
              saturation: 'avg:kubernetes.cpu.usage.pct{kube_namespace:$namespace,kube_deployment:$workload} by {pod_name}'
              saturationIsPercent: true
              logs: 'service:$service env:production status:error'
            cloudwatch:
              region: eu-west-1
              namespace: AWS/ApplicationELB
              dimensions: { LoadBalancer: app/checkout-prod/50dc6c495c0c9188 }
              errorRatio: { errors: HTTPCode_Target_5XX_Count, requests: RequestCount }
              latencyP99: { metricName: TargetResponseTime, stat: p99 }
              saturation: { metricName: CPUUtilization, stat: Average, namespace: AWS/ECS, dimensions: { ClusterName: shop-prod, ServiceName: checkout } }
            pagerduty: { serviceId: P1CHK7Q }
            notifications: []
            remediation: []

          - name: search
            match:
              - labels: { app: search }
              - pagerdutyService: P3SRCH2
            team: discovery
            tier: critical
            environment: production
            kubernetes: { cluster: prod-eu, namespace: shop, workload: deployment/search }
            dependsOn: [inventory]
            prometheus:
              selector: 'service_name="$service"'
              saturation: 'max(process_cpu_utilization_ratio{$selector})'
            loki:
              selector: '{namespace="$namespace", container="$service"}'
            datadog:
              tags: ["service:$service", "env:production"]
              errorRatio: 'sum:trace.http.request.errors{service:$service,env:production}.as_count() / sum:trace.http.request.hits{service:$service,env:production}.as_count()'
              latencyP99: 'p99:trace.http.request{service:$service,env:production}'
              saturation: 'avg:kubernetes.cpu.usage.pct{kube_namespace:$namespace,kube_deployment:$workload} by {pod_name}'
              saturationIsPercent: true
              logs: 'service:$service env:production status:error'
            cloudwatch:
              region: eu-west-1
              namespace: AWS/ApplicationELB
              dimensions: { LoadBalancer: app/search-prod/7a1e2b3c4d5f6a7b }
              errorRatio: { errors: HTTPCode_Target_5XX_Count, requests: RequestCount }
              latencyP99: { metricName: TargetResponseTime, stat: p99 }
              saturation: { metricName: CPUUtilization, stat: Average, namespace: AWS/ECS, dimensions: { ClusterName: shop-prod, ServiceName: search } }
            pagerduty: { serviceId: P3SRCH2 }
            notifications: []
            remediation: []

          - name: payments
            match:
              - labels: { app: payments }
              - pagerdutyService: P2PAY9M
            team: payments
            tier: critical
            environment: production
            datadog:
              tags: ["service:$service", "env:production"]
              errorRatio: 'sum:trace.http.request.errors{service:$service,env:production}.as_count() / sum:trace.http.request.hits{service:$service,env:production}.as_count()'
              latencyP99: 'p99:trace.http.request{service:$service,env:production}'
            cloudwatch:
              region: eu-west-1
              namespace: AWS/RDS
              dimensions: { DBInstanceIdentifier: payments-db }
              latencyP99: { metricName: WriteLatency, stat: p99 }
              saturation: { metricName: CPUUtilization, stat: Maximum }

          - name: inventory
            match:
              - labels: { app: inventory }
            team: supply
            environment: production
            datadog:
              tags: ["service:$service", "env:production"]
              errorRatio: 'sum:trace.http.request.errors{service:$service,env:production}.as_count() / sum:trace.http.request.hits{service:$service,env:production}.as_count()'
              latencyP99: 'p99:trace.http.request{service:$service,env:production}'
            cloudwatch:
              region: eu-west-1
              namespace: AWS/ECS
              dimensions: { ClusterName: shop-prod, ServiceName: inventory }
              saturation: { metricName: CPUUtilization, stat: Average }
        """;

    public static ServiceCatalog Load() => ServiceCatalog.Parse(Yaml, "bench catalog");

    /// <summary>
    /// What each service's telemetry did up to <paramref name="alert"/>: checkout's error ratio and latency step up 20
    /// minutes before it (3 minutes after its deploy), search's saturation rises over 10 minutes from 25 minutes before it
    /// and its latency follows, everything else is flat with noise.
    /// </summary>
    public static IReadOnlyList<ServiceHistory> Shapes(DateTimeOffset alert) =>
    [
        new()
        {
            Service = Checkout,
            RequestsPerSecond = 40,
            ErrorRatio = HistoryLevel.Step(0.004, 0.12, alert.AddMinutes(-20)),
            LatencyP99 = HistoryLevel.Step(0.28, 0.85, alert.AddMinutes(-20), noise: 0.03),
            Saturation = HistoryLevel.Flat(0.45, noise: 0.03),
        },
        new()
        {
            Service = Search,
            RequestsPerSecond = 30,
            ErrorRatio = HistoryLevel.Flat(0.006),
            LatencyP99 = HistoryLevel.Step(0.3, 0.7, alert.AddMinutes(-18), TimeSpan.FromMinutes(5), noise: 0.03),
            Saturation = HistoryLevel.Step(0.4, 0.93, alert.AddMinutes(-25), TimeSpan.FromMinutes(10), noise: 0.02),
        },
        new()
        {
            Service = "payments",
            RequestsPerSecond = 25,
            ErrorRatio = HistoryLevel.Flat(0.003),
            LatencyP99 = HistoryLevel.Flat(0.15, noise: 0.03),
            Saturation = HistoryLevel.Flat(0.35, noise: 0.03),
        },
        new()
        {
            Service = "inventory",
            RequestsPerSecond = 35,
            ErrorRatio = HistoryLevel.Flat(0.005),
            LatencyP99 = HistoryLevel.Flat(0.09, noise: 0.03),
            Saturation = HistoryLevel.Flat(0.5, noise: 0.03),
        },
        .. OtherServices.Select(s => ServiceHistory.Flat(s) with { Saturation = HistoryLevel.Flat(0.3, noise: 0.05) }),
    ];
}

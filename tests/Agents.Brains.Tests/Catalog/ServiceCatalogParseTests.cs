using Agents.Brains.Tests.Support;
using Agents.Hosting.Catalog;

namespace Agents.Brains.Tests.Catalog;

public sealed class ServiceCatalogParseTests
{
    [Fact]
    public void Entry_that_gives_only_a_selector_gets_the_default_templates_with_its_selector()
    {
        var catalog = ServiceCatalog.Parse("""
            services:
              - name: checkout
                prometheus: { selector: 'job="checkout"' }
            """, "inherit.yaml");

        var prometheus = catalog.Resolve("checkout").Prometheus;

        Assert.Equal("job=\"checkout\"", prometheus?.Selector);
        Assert.Equal(
            "(sum(rate(http_server_request_duration_seconds_count{job=\"checkout\",http_response_status_code=~\"5..\"}[5m])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{job=\"checkout\"}[5m]))",
            prometheus?.ErrorRatio);
        Assert.Equal("histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{job=\"checkout\"}[5m])))", prometheus?.LatencyP99);
    }

    [Fact]
    public void Templates_layer_built_in_then_default_then_entry_and_null_switches_a_query_off()
    {
        var catalog = ServiceCatalog.Parse("""
            default:
              team: sre
              prometheus:
                selector: 'app="$service"'
                saturation: 'max(process_cpu_utilization{$selector})'
                latencyP99: null
              loki: { selector: '{app="$service"}' }
              datadog: { tags: ["service:$service"], logs: "service:$service status:error" }
            services:
              - name: checkout
                kubernetes: { namespace: shop }
                prometheus:
                  errorRatio: null
                  restarts: 'sum(increase(kube_pod_container_status_restarts_total{namespace="$namespace", pod=~"$workload-.*"}[5m]))'
                loki: { filter: '|= "ERROR"' }
                datadog: { saturation: "avg:system.cpu.user{service:$service}", saturationIsPercent: true }
              - name: ledger
                prometheus: null
                loki: null
              - name: audit
                prometheus: ~
                datadog:
            """, "layers.yaml");

        var checkout = catalog.Resolve("checkout");
        Assert.Equal("app=\"checkout\"", checkout.Prometheus?.Selector);
        Assert.Null(checkout.Prometheus?.ErrorRatio);
        Assert.Null(checkout.Prometheus?.LatencyP99);
        Assert.Equal("max(process_cpu_utilization{app=\"checkout\"})", checkout.Prometheus?.Saturation);
        Assert.Equal("sum(increase(kube_pod_container_status_restarts_total{namespace=\"shop\", pod=~\"checkout-.*\"}[5m]))", checkout.Prometheus?.Restarts);
        Assert.Equal("{app=\"checkout\"}", checkout.Loki?.Selector);
        Assert.Equal("|= \"ERROR\"", checkout.Loki?.Filter);
        Assert.Equal(["service:checkout"], checkout.Datadog?.Tags);
        Assert.Equal("avg:system.cpu.user{service:checkout}", checkout.Datadog?.Saturation);
        Assert.True(checkout.Datadog?.SaturationIsPercent);
        Assert.Equal("service:checkout status:error", checkout.Datadog?.Logs);
        Assert.Equal("deployment/checkout", checkout.Kubernetes?.Workload);
        Assert.Null(checkout.Team);
        Assert.Equal(CatalogEntry.StandardTier, checkout.Tier);

        var ledger = catalog.Resolve("ledger");
        Assert.Null(ledger.Prometheus);
        Assert.Null(ledger.Loki);
        Assert.Equal(["service:ledger"], ledger.Datadog?.Tags);
        var audit = catalog.Resolve("audit");
        Assert.Null(audit.Prometheus);
        Assert.Null(audit.Datadog);
        Assert.Equal("{app=\"audit\"}", audit.Loki?.Selector);

        var orders = catalog.Resolve("orders");
        Assert.True(orders.IsDefault);
        Assert.Equal("sre", orders.Team);
        Assert.Equal("app=\"orders\"", orders.Prometheus?.Selector);
        Assert.Contains("{app=\"orders\",http_response_status_code=~\"5..\"}", orders.Prometheus?.ErrorRatio, StringComparison.Ordinal);
        Assert.Equal("{app=\"orders\"}", orders.Loki?.Selector);
        Assert.Equal(new LokiQuery { Selector = "x" }.Filter, orders.Loki?.Filter);
    }

    [Fact]
    public void Every_setting_of_an_entry_is_read()
    {
        var catalog = ServiceCatalog.Parse("""
            services:
              - name: payments
              - name: checkout
                aliases: [checkout-api, shop-checkout]
                match:
                  - labels: { app: checkout }
                  - pagerdutyService: PCHK001
                team: payments
                tier: critical
                environment: production
                kubernetes: { cluster: prod-eu, namespace: shop, workload: statefulset/checkout-db }
                dependsOn: [payments, inventory]
                cloudwatch:
                  region: eu-west-1
                  namespace: AWS/ApplicationELB
                  dimensions: { LoadBalancer: app/x/y }
                  errorRatio: { errors: HTTPCode_Target_5XX_Count, requests: RequestCount }
                  latencyP99: { metricName: TargetResponseTime, stat: p99 }
                  saturation: { metricName: CPUUtilization, stat: Average, namespace: AWS/EC2, dimensions: { AutoScalingGroupName: x } }
                notifications:
                  - { channel: slack, target: "#payments" }
                remediation: { mode: auto, actions: [rollback] }
            """, "all.yaml");

        var checkout = catalog.Resolve("checkout");

        Assert.Equal(["checkout-api", "shop-checkout"], checkout.Aliases);
        Assert.Equal([new Dictionary<string, string> { ["app"] = "checkout" }], checkout.Match.Where(m => m.PagerDutyServiceId is null).Select(m => m.Labels));
        Assert.Equal("PCHK001", checkout.PagerDuty?.ServiceId);
        Assert.True(checkout.IsCritical);
        Assert.Equal("production", checkout.Environment);
        Assert.Equal("prod-eu", checkout.Kubernetes?.Cluster);
        Assert.Equal("statefulset", checkout.Kubernetes?.WorkloadKind);
        Assert.Equal("checkout-db", checkout.Kubernetes?.WorkloadName);
        Assert.Equal(["payments", "inventory"], checkout.DependsOn);
        var cloudWatch = checkout.CloudWatch;
        Assert.NotNull(cloudWatch);
        Assert.Equal("eu-west-1", cloudWatch.Region);
        Assert.Equal("AWS/ApplicationELB", cloudWatch.Namespace);
        Assert.Equal("app/x/y", cloudWatch.Dimensions["LoadBalancer"]);
        Assert.Equal(new CloudWatchRatio { Errors = "HTTPCode_Target_5XX_Count", Requests = "RequestCount" }, cloudWatch.ErrorRatio);
        Assert.Equal(new CloudWatchMetric { MetricName = "TargetResponseTime", Stat = "p99" }, cloudWatch.LatencyP99);
        Assert.Equal("AWS/EC2", cloudWatch.Saturation?.Namespace);
        Assert.Equal("x", cloudWatch.Saturation?.Dimensions?["AutoScalingGroupName"]);
        Assert.Equal("#payments", Assert.Single(checkout.Notifications)["target"]);
        Assert.Equal("auto", checkout.Remediation?.Mode);
        Assert.Equal(["rollback"], checkout.Remediation?.Actions);
        Assert.Null(catalog.Resolve("payments").PagerDuty);
        Assert.Null(catalog.Resolve("payments").CloudWatch);
    }

    [Fact]
    public void Dependency_named_by_an_alias_is_rewritten_to_the_entrys_name()
    {
        var catalog = ServiceCatalog.Parse("""
            services:
              - name: checkout
                dependsOn: [PAY, ledger]
              - name: payments
                aliases: [pay]
            """, "aliases.yaml");

        Assert.Equal(["payments", "ledger"], catalog.Resolve("checkout").DependsOn);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing yet\n")]
    [InlineData("services: []\n")]
    public void Empty_catalog_has_no_services_and_the_built_in_default(string yaml)
    {
        var catalog = ServiceCatalog.Parse(yaml, "empty.yaml");

        Assert.Empty(catalog.Services);
        Assert.Same(ServiceCatalog.BuiltIn.DefaultEntry, catalog.DefaultEntry);
        Assert.Equal("empty.yaml", catalog.Origin);
    }

    [Fact]
    public void Load_reads_a_file_and_names_a_missing_one()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("services.yaml", "services:\n  - name: checkout\n");

        Assert.Equal("checkout", Assert.Single(ServiceCatalog.Load(path).Services).Name);
        Assert.Equal(path, ServiceCatalog.Load(path).Origin);
        var missing = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Load(Path.Combine(dir.Path, "nope.yaml")));
        Assert.Contains("nope.yaml' does not exist", missing.Message, StringComparison.Ordinal);
    }
}

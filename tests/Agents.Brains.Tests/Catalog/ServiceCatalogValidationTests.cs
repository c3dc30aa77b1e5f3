using Agents.Hosting.Catalog;

namespace Agents.Brains.Tests.Catalog;

public sealed class ServiceCatalogValidationTests
{
    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once_with_its_line_column_and_path()
    {
        const string yaml = """
            default:
              prometheus: { selector: 'app="$namespace"' }
            services:
              - name: checkout
                teem: payments
                tier: gold
                match:
                  - labels: { app: checkout }
                  - { }
                  - labels: { app: "" }
                  - labels: { app: x }
                    pagerdutyService: PX1
                kubernetes: { cluster: c }
                dependsOn: [checkout, payments]
                prometheus:
                  errorRatio: 'rate(x{$selectr}[5m])'
              - name: Checkout
                match:
                  - labels: { app: checkout }
              - name: payments
                aliases: [pay]
                kubernetes: { namespace: pay, workload: pod/payments }
                dependsOn: [ledger]
                cloudwatch: { region: eu-west-1 }
                pagerduty: { serviceId: "" }
              - name: ledger
                dependsOn: [pay]
              - match: []
            """;

        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(yaml, "broken.yaml"));

        string[] expected =
        [
            "line 2, column 27: default.prometheus.selector: '$namespace' cannot be used in the default entry: it has no kubernetes section",
            "line 5, column 5: services[0].teem: unknown key (known here: name, aliases, match, team, tier, environment, kubernetes, dependsOn, prometheus, loki, datadog, cloudwatch, pagerduty, notifications, remediation)",
            "line 6, column 11: services[0].tier: 'gold' is not one of critical, standard",
            "line 9, column 9: services[0].match[1]: has neither labels nor pagerdutyService",
            "line 10, column 24: services[0].match[2].labels.app: the value is empty",
            "line 11, column 9: services[0].match[3]: has both labels and pagerdutyService; give one per matcher (list two matchers to accept either)",
            "line 13, column 17: services[0].kubernetes.namespace: required: the namespace the workload runs in",
            "line 14, column 17: services[0].dependsOn: 'checkout' is this service itself",
            "line 16, column 19: services[0].prometheus.errorRatio: '$selectr' is not a placeholder (known: $service, $selector, $namespace, $workload)",
            "line 17, column 11: services[1].name: 'Checkout' is already a name of services[0] (checkout); names and aliases are unique, ignoring case",
            "line 19, column 9: services[1].match[0]: the same matcher as services[0].match[0] (checkout), which comes first and so would always win",
            "line 22, column 45: services[2].kubernetes.workload: 'pod/payments' is not deployment/NAME or statefulset/NAME (NAME: lower-case letters, digits, '-' and '.')",
            "line 24, column 17: services[2].cloudwatch.namespace: required: the CloudWatch namespace of the service's metrics, e.g. AWS/ApplicationELB",
            "line 24, column 17: services[2].cloudwatch: asks for no metric: give errorRatio, latencyP99 or saturation",
            "line 25, column 29: services[2].pagerduty.serviceId: is empty",
            "line 27, column 17: services[3].dependsOn: a dependency cycle: payments -> ledger -> payments",
            "line 28, column 5: services[4].name: required: the service's name, as alerts and deploys call it",
        ];
        Assert.Equal(expected, error.Errors);
        Assert.StartsWith($"Service catalog 'broken.yaml' is invalid ({expected.Length} problems):", error.Message, StringComparison.Ordinal);
        Assert.All(expected, e => Assert.Contains("  - " + e, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Placeholders_are_checked_where_each_template_is_written()
    {
        const string yaml = """
            services:
              - name: checkout
                prometheus:
                  selector: 'job="$workload"'
                  saturation: 'x{$selector, ns="$namespace"}'
                loki: { selector: '{app="$selector"}', filter: '|= "$service"' }
                datadog: { tags: ["service:$service", "kube:$workload"], logs: "service:$servicename" }
              - name: ledger
                kubernetes: { namespace: money }
                prometheus: { restarts: 'x{ns="$namespace", pod=~"$workload-.*"}' }
                datadog: { tags: [] }
            """;

        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(yaml, "templates.yaml"));

        Assert.Equal(
        [
            "line 4, column 17: services[0].prometheus.selector: '$workload' needs a kubernetes section in this entry (it has none)",
            "line 5, column 19: services[0].prometheus.saturation: '$namespace' needs a kubernetes section in this entry (it has none)",
            "line 6, column 23: services[0].loki.selector: '$selector' can only be used in prometheus queries, not in a selector",
            "line 6, column 52: services[0].loki.filter: '$service' is not expanded here (placeholders are expanded in selectors, queries, tags and logs searches only)",
            "line 7, column 43: services[0].datadog.tags: '$workload' needs a kubernetes section in this entry (it has none)",
            "line 7, column 68: services[0].datadog.logs: '$servicename' is not a placeholder (known: $service, $namespace, $workload)",
            "line 11, column 22: services[1].datadog.tags: required: at least one tag such as service:$service, to find the service's events",
        ],
        error.Errors);
    }

    [Fact]
    public void Dependency_cycles_are_refused_but_unknown_dependencies_are_allowed()
    {
        const string cycle = """
            services:
              - name: a
                dependsOn: [b, not-listed]
              - name: b
                dependsOn: [c]
              - name: c
                dependsOn: [a, b]
            """;

        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(cycle, "cycle.yaml"));

        Assert.Equal(
        [
            "line 7, column 17: services[2].dependsOn: a dependency cycle: a -> b -> c -> a",
            "line 7, column 20: services[2].dependsOn: a dependency cycle: b -> c -> b",
        ],
        error.Errors);
        var acyclic = ServiceCatalog.Parse(cycle.Replace("[a, b]", "[b]", StringComparison.Ordinal).Replace("[c]", "[not-listed]", StringComparison.Ordinal), "ok.yaml");
        Assert.Equal(["b", "not-listed"], acyclic.Resolve("a").DependsOn);
        Assert.True(acyclic.Resolve("not-listed").IsDefault);
    }

    [Fact]
    public void Matcher_that_an_earlier_entry_always_beats_is_refused()
    {
        const string yaml = """
            services:
              - name: checkout
                match:
                  - labels: { app: checkout }
                  - pagerdutyService: PCHK001
              - name: checkout-shop
                match:
                  - labels: { namespace: shop, app: checkout }
                  - pagerdutyService: PCHK001
                  - labels: { namespace: shop }
                  - labels: { namespace: shop }
            """;

        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(yaml, "shadow.yaml"));

        Assert.Equal(
        [
            "line 8, column 9: services[1].match[0]: can never match first: services[0].match[0] (checkout, labels app=checkout) comes first and matches every alert this matches",
            "line 9, column 9: services[1].match[1]: the same matcher as services[0].match[1] (checkout), which comes first and so would always win",
            "line 11, column 9: services[1].match[3]: repeats services[1].match[2]",
        ],
        error.Errors);
    }

    [Fact]
    public void Sections_of_the_wrong_shape_and_bad_values_are_reported()
    {
        const string yaml = """
            services:
              - name: checkout service
                aliases: checkout-api
                match: { app: checkout }
                kubernetes: { namespace: Shop_1, workload: deployment/Checkout }
                cloudwatch:
                  namespace: AWS/ApplicationELB
                  region: Europe
                  latencyP99: { metricName: TargetResponseTime, stat: median }
                  saturation: { stat: Average }
                  errorRatio: { errors: HTTPCode_Target_5XX_Count }
                datadog: { tags: [a], saturationIsPercent: maybe }
                notifications: [slack]
              - just a name
            unknown: true
            """;

        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(yaml, "shapes.yaml"));

        Assert.Equal(
        [
            "line 2, column 11: services[0].name: 'checkout service' is not a service name (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 200)",
            "line 3, column 14: services[0].aliases: expected a list; found 'checkout-api'",
            "line 4, column 12: services[0].match: expected a list; found a mapping",
            "line 5, column 30: services[0].kubernetes.namespace: 'Shop_1' is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)",
            "line 5, column 48: services[0].kubernetes.workload: 'deployment/Checkout' is not deployment/NAME or statefulset/NAME (NAME: lower-case letters, digits, '-' and '.')",
            "line 8, column 15: services[0].cloudwatch.region: 'Europe' is not an AWS region such as eu-west-1",
            "line 9, column 59: services[0].cloudwatch.latencyP99.stat: 'median' is not a CloudWatch statistic (Average, Sum, Minimum, Maximum, SampleCount, or a percentile such as p99)",
            "line 10, column 19: services[0].cloudwatch.saturation.metricName: required: the metric's name, e.g. TargetResponseTime",
            "line 11, column 19: services[0].cloudwatch.errorRatio.requests: required: the metric counting all requests, e.g. RequestCount",
            "line 12, column 48: services[0].datadog.saturationIsPercent: 'maybe' is not true or false",
            "line 13, column 21: services[0].notifications[0]: expected a mapping of settings; found 'slack'",
            "line 14, column 5: services[1]: expected a mapping with the keys name, aliases, match, team, tier, environment, kubernetes, dependsOn, prometheus, loki, datadog, cloudwatch, pagerduty, notifications, remediation; found 'just a name'",
            "line 15, column 1: unknown: unknown key (known here: default, services)",
        ],
        error.Errors);
    }

    [Theory]
    [InlineData("services:\n  - name: [checkout\n", "line 3, column 1")]
    [InlineData("services:\n  - name: a\n    name: b\n", "line 3, column 5")]
    [InlineData("services: []\n---\nservices: []\n", "line 3, column 1")]
    public void File_that_is_not_one_YAML_document_is_refused_with_the_place(string yaml, string place)
    {
        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(yaml, "syntax.yaml"));

        Assert.Contains("'syntax.yaml'", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(place + ":", Assert.Single(error.Errors), StringComparison.Ordinal);
    }
}

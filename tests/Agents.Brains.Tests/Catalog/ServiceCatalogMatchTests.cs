using Agents.Hosting.Catalog;

namespace Agents.Brains.Tests.Catalog;

public sealed class ServiceCatalogMatchTests
{
    private static readonly ServiceCatalog Catalog = ServiceCatalog.Parse("""
        services:
          - name: checkout
            aliases: [checkout-api]
            match:
              - labels: { app: checkout }
              - labels: { container: checkout, namespace: shop }
              - pagerdutyService: PCHK001
          - name: storefront
            match:
              - labels: { team: web }
              - labels: { container: checkout, namespace: staging }
          - name: checkout-worker
            match:
              - labels: { container: worker, namespace: shop }
        """, "match-tests.yaml");

    [Fact]
    public void Alert_matches_by_a_single_label()
    {
        var match = Catalog.Match(CatalogAlerts.Labels(("app", "checkout"), ("alertname", "HighErrorRate")));

        Assert.Equal("checkout", match?.Entry.Name);
        Assert.Equal("labels app=checkout", match?.MatchedBy);
    }

    [Fact]
    public void Alert_matches_by_container_and_namespace_only_when_both_are_equal()
    {
        Assert.Equal("checkout", Catalog.Match(CatalogAlerts.Labels(("container", "checkout"), ("namespace", "shop")))?.Entry.Name);
        Assert.Equal("storefront", Catalog.Match(CatalogAlerts.Labels(("container", "checkout"), ("namespace", "staging")))?.Entry.Name);
        Assert.Equal("checkout-worker", Catalog.Match(CatalogAlerts.Labels(("container", "worker"), ("namespace", "shop")))?.Entry.Name);
        Assert.Null(Catalog.Match(CatalogAlerts.Labels(("container", "checkout"))));
        Assert.Null(Catalog.Match(CatalogAlerts.Labels(("container", "Checkout"), ("namespace", "shop"))));
    }

    [Fact]
    public void Alert_matches_by_the_PagerDuty_service_id_label()
    {
        var match = Catalog.Match(CatalogAlerts.Labels(("service_id", "PCHK001"), ("urgency", "high")));

        Assert.Equal("checkout", match?.Entry.Name);
        Assert.Equal("PagerDuty service PCHK001", match?.MatchedBy);
        Assert.Null(Catalog.Match(CatalogAlerts.Labels(("service_id", "POTHER1"))));
    }

    [Fact]
    public void First_entry_in_file_order_wins()
    {
        var match = Catalog.Match(CatalogAlerts.Labels(("team", "web"), ("app", "checkout")));

        Assert.Equal("checkout", match?.Entry.Name);
        Assert.Equal("storefront", Catalog.Match(CatalogAlerts.Labels(("team", "web")))?.Entry.Name);
    }

    [Fact]
    public void Matchers_win_over_the_alerts_service_name()
    {
        var alert = CatalogAlerts.With(new Dictionary<string, string> { ["team"] = "web", ["service"] = "checkout" }, "checkout");

        Assert.Equal("storefront", Catalog.Match(alert)?.Entry.Name);
    }

    [Fact]
    public void Alert_with_no_matching_labels_matches_by_service_name_or_alias_ignoring_case()
    {
        var byField = Catalog.Match(CatalogAlerts.With(service: "Checkout-API"));
        var byLabel = Catalog.Match(CatalogAlerts.Labels(("service", "storefront")));

        Assert.Equal("checkout", byField?.Entry.Name);
        Assert.Equal("alert service Checkout-API, an alias", byField?.MatchedBy);
        Assert.Equal("storefront", byLabel?.Entry.Name);
        Assert.Equal("label service=storefront, its name", byLabel?.MatchedBy);
    }

    [Fact]
    public void Alert_that_matches_nothing_gets_null()
    {
        Assert.Null(Catalog.Match(CatalogAlerts.With(new Dictionary<string, string> { ["app"] = "orders", ["service"] = "orders" }, "orders")));
        Assert.Null(Catalog.Match(CatalogAlerts.With()));
        Assert.Null(ServiceCatalog.BuiltIn.Match(CatalogAlerts.Labels(("app", "checkout"))));
    }

    [Fact]
    public void Unlisted_service_resolves_to_the_default_entry_with_the_exact_OpenTelemetry_queries()
    {
        var orders = Catalog.Resolve("orders");

        Assert.Equal("orders", orders.Name);
        Assert.True(orders.IsDefault);
        Assert.Equal("service_name=\"orders\"", orders.Prometheus?.Selector);
        Assert.Equal(
            "(sum(rate(http_server_request_duration_seconds_count{service_name=\"orders\",http_response_status_code=~\"5..\"}[5m])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{service_name=\"orders\"}[5m]))",
            orders.Prometheus?.ErrorRatio);
        Assert.Equal(
            "histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name=\"orders\"}[5m])))",
            orders.Prometheus?.LatencyP99);
        Assert.Null(orders.Prometheus?.Saturation);
        Assert.Null(orders.Prometheus?.Restarts);
        Assert.Null(orders.Loki);
        Assert.Null(orders.Kubernetes);
        Assert.Equal(orders, ServiceCatalog.BuiltIn.Resolve("orders"));
    }

    [Fact]
    public void Listed_service_resolves_by_name_or_alias_to_its_own_entry()
    {
        var checkout = Catalog.Resolve("checkout");

        Assert.False(checkout.IsDefault);
        Assert.Same(checkout, Catalog.Resolve("CHECKOUT-api"));
        Assert.Equal("service_name=\"checkout\"", checkout.Prometheus?.Selector);
    }

    [Theory]
    [InlineData("orders\"} or vector(1) or {x=\"")]
    [InlineData("orders name")]
    [InlineData("orders,env:prod")]
    public void An_unlisted_service_whose_name_could_change_a_query_gets_no_query_at_all(string name)
    {
        var entry = ServiceCatalog.BuiltIn.Resolve(name);

        Assert.True(entry.IsDefault);
        Assert.Equal(name, entry.Name);
        Assert.Null(entry.Prometheus);
        Assert.Null(entry.Loki);
        Assert.Null(entry.Datadog);
    }
}

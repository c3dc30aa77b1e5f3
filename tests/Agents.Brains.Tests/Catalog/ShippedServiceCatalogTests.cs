using Agents.Hosting;
using Agents.Hosting.Catalog;

namespace Agents.Brains.Tests.Catalog;

public sealed class ShippedServiceCatalogTests
{
    private static readonly ServiceCatalog Shipped = ServiceCatalog.Load(RepositoryFiles.Resolve(CatalogExtensions.DefaultPath));

    [Fact]
    public void Shipped_catalog_loads_with_its_example_services()
    {
        Assert.EndsWith(Path.Combine("deploy", "services.yaml"), Shipped.Origin, StringComparison.Ordinal);
        Assert.Equal(["checkout", "payments"], Shipped.Services.Select(s => s.Name));

        var checkout = Shipped.Services[0];
        Assert.Equal("payments", checkout.Team);
        Assert.True(checkout.IsCritical);
        Assert.Equal("production", checkout.Environment);
        Assert.Equal(new KubernetesTarget { Cluster = "prod-eu", Namespace = "shop", Workload = "deployment/checkout" }, checkout.Kubernetes);
        Assert.Equal(["payments"], checkout.DependsOn);
        Assert.Empty(checkout.Notifications);
        Assert.Equal("approve", checkout.Remediation?.Mode);
        Assert.Equal(["rollback", "restart-pods", "scale-out"], checkout.Remediation?.Actions);
        Assert.Contains("service_name=\"checkout\"", checkout.Remediation?.Verify?.Query, StringComparison.Ordinal);
        Assert.Equal(2, checkout.Remediation?.Freeze.Count);
        Assert.Equal("dry-run", Shipped.Services[1].Remediation?.Mode);
        Assert.Equal("dry-run", Shipped.Resolve("orders").Remediation?.Mode);
        Assert.Equal("P1CHK7Q", checkout.PagerDuty?.ServiceId);
        Assert.Equal(3, checkout.Match.Count);
        Assert.NotNull(checkout.Loki);
        Assert.NotNull(checkout.Datadog);
        Assert.NotNull(checkout.CloudWatch);
        Assert.Equal("AWS/EC2", checkout.CloudWatch.Saturation?.Namespace);
    }

    [Fact]
    public void Shipped_default_entry_is_the_built_in_OpenTelemetry_one()
    {
        Assert.True(Shipped.DefaultEntry.IsDefault);
        Assert.Equal(ServiceCatalog.OpenTelemetryPrometheus, Shipped.DefaultEntry.Prometheus);
        Assert.Equal(ServiceCatalog.BuiltIn.Resolve("orders"), Shipped.Resolve("orders") with { Remediation = null });
        Assert.Equal("dry-run", Shipped.DefaultEntry.Remediation?.Mode);
    }

    [Fact]
    public void Shipped_entries_have_their_templates_expanded()
    {
        var checkout = Shipped.Resolve("checkout");

        Assert.Equal("service_name=\"checkout\"", checkout.Prometheus?.Selector);
        Assert.Contains("http_server_request_duration_seconds_count{service_name=\"checkout\",http_response_status_code=~\"5..\"}", checkout.Prometheus?.ErrorRatio, StringComparison.Ordinal);
        Assert.Contains("namespace=\"shop\", pod=~\"checkout-.*\"", checkout.Prometheus?.Restarts, StringComparison.Ordinal);
        Assert.Equal("{namespace=\"shop\", container=\"checkout\"}", checkout.Loki?.Selector);
        Assert.Equal(["service:checkout", "env:production"], checkout.Datadog?.Tags);
        Assert.Contains("kube_deployment:checkout", checkout.Datadog?.Saturation, StringComparison.Ordinal);
        Assert.DoesNotContain(Shipped.Services, s => (s.Prometheus?.ErrorRatio + s.Prometheus?.Saturation + s.Loki?.Selector + s.Datadog?.Logs).Contains('$', StringComparison.Ordinal));

        var payments = Shipped.Resolve("payments");
        Assert.Equal(ServiceCatalog.BuiltIn.Resolve("payments").Prometheus, payments.Prometheus);
        Assert.Equal("P2PAY9M", payments.PagerDuty?.ServiceId);
        Assert.Null(payments.Loki);
    }

    /// <summary>The example entries must not rename the services the samples and the end-to-end tests send alerts about.</summary>
    [Theory]
    [InlineData("auth-service")]
    [InlineData("report-builder")]
    [InlineData("search-api")]
    [InlineData("checkout")]
    [InlineData("checkout-api")]
    [InlineData("payments")]
    [InlineData("payments-0123456789")]
    public void Shipped_catalog_keeps_the_service_name_of_the_samples_alerts(string service)
    {
        var alert = CatalogAlerts.With(new Dictionary<string, string> { ["service"] = service, ["job"] = service }, service);

        var match = Shipped.Match(alert);

        Assert.Equal(service, match?.Entry.Name ?? service);
        Assert.Equal(service, Shipped.Resolve(service).Name);
    }

    [Fact]
    public void The_docs_example_catalog_is_valid_and_means_what_the_docs_say()
    {
        var page = File.ReadAllText(RepositoryFiles.Resolve("docs/workflows.md"));
        var heading = page.IndexOf("### Evidence: what the agents look at", StringComparison.Ordinal);
        Assert.True(heading >= 0, "docs/workflows.md has no section 'Evidence: what the agents look at'");
        var section = page[heading..];
        var start = section.IndexOf("```yaml", StringComparison.Ordinal) + "```yaml".Length;
        var yaml = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];

        var catalog = ServiceCatalog.Parse(yaml, "docs/workflows.md");

        var checkout = Assert.Single(catalog.Services);
        Assert.Equal(("checkout", "payments", true), (checkout.Name, checkout.Team, checkout.IsCritical));
        Assert.Equal(ServiceCatalog.OpenTelemetryPrometheus.ErrorRatio!.Replace("$selector", "service_name=\"checkout\"", StringComparison.Ordinal), checkout.Prometheus?.ErrorRatio);
        Assert.Equal("PCHKOUT", checkout.PagerDuty?.ServiceId);
    }
}

using Agents.Hosting.Catalog;

namespace Agents.Brains.Tests.Catalog;

/// <summary>The catalog's typed <c>remediation</c> section: what it reads, what it inherits, and every problem it refuses.</summary>
public sealed class CatalogRemediationTests
{
    [Fact]
    public void A_full_section_is_read_with_its_templates_expanded()
    {
        var catalog = ServiceCatalog.Parse("""
            services:
              - name: orders
                kubernetes: { namespace: shop, workload: deployment/orders-api }
                remediation:
                  mode: auto
                  actions: [rollback, restart-pods]
                  cooldown: 10m
                  approvalTimeout: 20m
                  verify:
                    query: 'sum(rate(errors{service="$service",namespace="$namespace",pod=~"$workload-.*"}[1m]))'
                    below: 0.01
                    for: 2m
                    within: 8m
                    every: 15s
                  freeze:
                    - { from: 2026-12-20T00:00:00Z, to: 2027-01-04T00:00:00+01:00, reason: year-end freeze }
                    - { days: [fri, sat], from: "16:00", to: "23:59", timezone: Europe/Berlin, reason: weekend }
            """, "full.yaml");

        var settings = catalog.Resolve("orders").Remediation;

        Assert.NotNull(settings);
        Assert.Equal("auto", settings.Mode);
        Assert.Equal(["rollback", "restart-pods"], settings.Actions);
        Assert.True(settings.Allows("rollback"));
        Assert.False(settings.Allows("scale-out"));
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Cooldown);
        Assert.Equal(TimeSpan.FromMinutes(20), settings.ApprovalTimeout);
        var verify = settings.Verify;
        Assert.NotNull(verify);
        Assert.Equal("""sum(rate(errors{service="orders",namespace="shop",pod=~"orders-api-.*"}[1m]))""", verify.Query);
        Assert.Equal(0.01, verify.Below);
        Assert.Null(verify.Above);
        Assert.Equal(TimeSpan.FromMinutes(2), verify.For);
        Assert.Equal(TimeSpan.FromMinutes(8), verify.Within);
        Assert.Equal(TimeSpan.FromSeconds(15), verify.Every);
        Assert.Equal(2, settings.Freeze.Count);
        var once = settings.Freeze[0];
        Assert.Equal(new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero), once.Start);
        Assert.Equal(new DateTimeOffset(2027, 1, 3, 23, 0, 0, TimeSpan.Zero), once.End);
        Assert.Equal("year-end freeze", once.Reason);
        var weekend = settings.Freeze[1];
        Assert.Equal([DayOfWeek.Friday, DayOfWeek.Saturday], weekend.Days);
        Assert.Equal(new TimeOnly(16, 0), weekend.DailyFrom);
        Assert.Equal("Europe/Berlin", weekend.TimeZone.Id);
    }

    [Fact]
    public void Keys_left_out_take_the_default_entrys_values_and_null_drops_them()
    {
        var catalog = ServiceCatalog.Parse("""
            default:
              remediation:
                mode: approve
                cooldown: 7m
                verify: { query: 'errors{service="$service"}', above: 0.5 }
            services:
              - name: orders
                remediation: { mode: auto }
              - name: billing
              - name: legacy
                remediation: null
              - name: old
                remediation: []
            """, "inherit.yaml");

        var orders = catalog.Resolve("orders").Remediation;
        Assert.Equal("auto", orders?.Mode);
        Assert.Equal(TimeSpan.FromMinutes(7), orders?.Cooldown);
        Assert.Equal("""errors{service="orders"}""", orders?.Verify?.Query);
        Assert.Equal("approve", catalog.Resolve("billing").Remediation?.Mode);
        Assert.Null(catalog.Resolve("legacy").Remediation);
        Assert.Equal("approve", catalog.Resolve("old").Remediation?.Mode);
        // A service the catalog does not list gets the default entry's, expanded for its name.
        Assert.Equal("""errors{service="unlisted"}""", catalog.Resolve("unlisted").Remediation?.Verify?.Query);
        // A name that is not safe in a query keeps the settings but not the query.
        var odd = catalog.Resolve("odd name\"}");
        Assert.Equal("approve", odd.Remediation?.Mode);
        Assert.Null(odd.Remediation?.Verify?.Query);
        Assert.Null(odd.Remediation?.Verify?.Above);
    }

    [Fact]
    public void Without_a_section_there_are_no_settings_and_the_defaults_apply()
    {
        var catalog = ServiceCatalog.Parse("services:\n  - name: orders\n", "none.yaml");

        Assert.Null(catalog.Resolve("orders").Remediation);
        var defaults = new RemediationSettings();
        Assert.Null(defaults.Mode);
        Assert.Null(defaults.Actions);
        Assert.True(defaults.Allows("anything"));
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.Cooldown);
        Assert.Equal(TimeSpan.FromMinutes(15), defaults.ApprovalTimeout);
        Assert.Empty(defaults.Freeze);
    }

    [Fact]
    public void A_verify_section_without_a_query_keeps_the_default_times()
    {
        var catalog = ServiceCatalog.Parse("""
            services:
              - name: orders
                remediation: { verify: { within: 20m } }
            """, "verify.yaml");

        var verify = catalog.Resolve("orders").Remediation?.Verify;

        Assert.NotNull(verify);
        Assert.Null(verify.Query);
        Assert.Equal(TimeSpan.FromMinutes(5), verify.For);
        Assert.Equal(TimeSpan.FromMinutes(20), verify.Within);
        Assert.Equal(TimeSpan.FromSeconds(30), verify.Every);
    }

    [Fact]
    public void Every_problem_of_a_remediation_section_is_reported_at_once()
    {
        const string yaml = """
            default:
              remediation: { mode: yolo, verify: { query: 'x{ns="$namespace"}', below: 1 } }
            services:
              - name: orders
                remediation:
                  mode: manual
                  actions: [rollback, rollback]
                  cooldown: soon
                  approvalTimeout: 0s
                  retries: 3
                  verify:
                    query: 'errors{service="$servce"}'
                    below: 0.1
                    above: 0.2
                    for: 20m
                    within: 10m
                    every: 0s
                  freeze:
                    - { from: 2027-01-04T00:00:00Z, to: 2026-12-20T00:00:00Z }
                    - { from: 2026-12-20, to: 2027-01-04T00:00:00Z, timezone: UTC }
                    - { days: [fri, caturday, fri], from: "16:00", to: "9:00", timezone: Mars/Olympus }
                    - { days: [mon], from: "25:00", to: "noon" }
                    - { to: 2027-01-04T00:00:00Z, when: always }
              - name: billing
                remediation:
                  verify: { below: 0.1 }
              - name: shipping
                remediation:
                  verify: { query: 'errors{service="$service"}' }
              - name: legacy
                remediation: [ { mode: auto } ]
            """;

        var error = Assert.Throws<CatalogConfigurationException>(() => ServiceCatalog.Parse(yaml, "broken.yaml"));

        string[] expected =
        [
            "line 2, column 24: default.remediation.mode: 'yolo' is not one of auto, approve, dry-run",
            "line 2, column 47: default.remediation.verify.query: '$namespace' cannot be used in the default entry: it has no kubernetes section",
            "line 6, column 13: services[0].remediation.mode: 'manual' is not one of auto, approve, dry-run",
            "line 7, column 27: services[0].remediation.actions: 'rollback' is listed twice",
            "line 8, column 17: services[0].remediation.cooldown: 'soon' is not a duration (e.g. 30s, 5m, 1h)",
            "line 9, column 24: services[0].remediation.approvalTimeout: '0s' is not a positive duration (e.g. 30s, 5m, 1h)",
            "line 10, column 7: services[0].remediation.retries: unknown key (known here: mode, actions, cooldown, approvalTimeout, verify, freeze)",
            "line 12, column 16: services[0].remediation.verify.query: '$servce' is not a placeholder (known: $service, $namespace, $workload)",
            "line 12, column 16: services[0].remediation.verify.query: has both below and above; give one (the value must stay below, or above, the threshold)",
            "line 15, column 14: services[0].remediation.verify.for: 20m is longer than within (10m): the value could never hold long enough in time",
            "line 17, column 16: services[0].remediation.verify.every: '0s' is not a positive duration (e.g. 30s, 5m, 1h)",
            "line 19, column 45: services[0].remediation.freeze[0].to: '2026-12-20T00:00:00Z' is not after from ('2027-01-04T00:00:00Z')",
            "line 20, column 19: services[0].remediation.freeze[1].from: '2026-12-20' is not an instant with its offset (e.g. 2026-12-20T00:00:00Z) nor, with days, a time of day (e.g. 16:00)",
            "line 20, column 67: services[0].remediation.freeze[1].timezone: applies to daily windows only (from and to as times of day); an instant carries its own offset",
            "line 21, column 25: services[0].remediation.freeze[2].days: 'caturday' is not a day (known: sun, mon, tue, wed, thu, fri, sat)",
            "line 21, column 35: services[0].remediation.freeze[2].days: 'fri' is listed twice",
            "line 21, column 60: services[0].remediation.freeze[2].to: '9:00' is not after from ('16:00'); a window across midnight is written as two windows",
            "line 21, column 78: services[0].remediation.freeze[2].timezone: 'Mars/Olympus' is not a known time zone (an IANA name such as Europe/Berlin, or UTC)",
            "line 22, column 32: services[0].remediation.freeze[3].from: '25:00' is not a time of day (HH:mm, e.g. 16:00)",
            "line 22, column 45: services[0].remediation.freeze[3].to: 'noon' is not a time of day (HH:mm, e.g. 16:00)",
            "line 23, column 11: services[0].remediation.freeze[4].from: required: when the window starts: an instant such as 2026-12-20T00:00:00Z, or a time of day such as 16:00",
            "line 23, column 39: services[0].remediation.freeze[4].when: unknown key (known here: from, to, days, timezone, reason)",
            "line 26, column 24: services[1].remediation.verify.below: below needs a query: the PromQL expression whose value is compared",
            "line 29, column 24: services[2].remediation.verify.query: has neither below nor above: give the threshold the value must stay below (or above)",
            "line 31, column 18: services[3].remediation: expected a mapping with the keys mode, actions, cooldown, approvalTimeout, verify, freeze; found a list",
        ];
        Assert.Equal(expected, error.Errors);
    }
}

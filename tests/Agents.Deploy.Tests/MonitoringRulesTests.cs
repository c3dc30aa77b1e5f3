using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Agents.Deploy.Tests.Support;

namespace Agents.Deploy.Tests;

/// <summary>
/// The system's own monitoring (deploy/monitoring, deploy/k8s/monitoring): its alerting rules pass their unit tests in the
/// real promtool, each rule has a case where it fires and one where it stays quiet, the PrometheusRule carries the same
/// rules, every service has a ServiceMonitor under the job name the rules expect, and the example Alertmanager config
/// routes the heartbeat to the dead man's switch and the rest of the system's alerts to PagerDuty (the real amtool).
/// </summary>
public sealed partial class MonitoringRulesTests
{
    private const string Monitoring = "deploy/monitoring";
    private const string RulesFile = "deploy/monitoring/rules/agents.rules.yml";
    private const string RulesTests = "deploy/monitoring/tests/agents.rules.test.yml";
    private const string PrometheusRule = "deploy/k8s/monitoring/prometheusrule.yaml";
    private const string Kustomization = "deploy/k8s/monitoring";
    private const string AlertmanagerConfig = "deploy/monitoring/alertmanager.yml";
    private const string Heartbeat = "Watchdog";

    private static string Promtool => Tool.Require("promtool", "apt-get install prometheus (Debian's package ships promtool)");

    private static string Amtool => Tool.Require("amtool", "apt-get install prometheus-alertmanager (Debian's package ships amtool)");

    [Fact]
    public void The_rules_pass_promtool_check_and_their_unit_tests()
    {
        var check = Tool.Run(Promtool, ["check", "rules", Repo.PathOf(RulesFile)], Repo.Root).StdoutOrFail();
        Assert.Contains("SUCCESS", check, StringComparison.Ordinal);

        // Run from deploy/monitoring, as the test file names the rules relative to itself.
        var tests = Tool.Run(Promtool, ["test", "rules", Repo.PathOf(RulesTests)], Repo.PathOf(Monitoring));

        Assert.True(tests.ExitCode == 0, $"promtool test rules failed:\n{tests.Stdout}\n{tests.Stderr}");
        Assert.Contains("SUCCESS", tests.Stdout + tests.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_has_a_case_where_it_fires_and_one_where_it_stays_quiet()
    {
        var cases = Yaml.LoadAll(Repo.ReadText(RulesTests)).Single()
            .List("tests")
            .SelectMany(t => t.List("alert_rule_test"))
            .Select(c => (Alert: c.Str("alertname")!, Fires: c.List("exp_alerts").Count > 0))
            .ToList();
        var problems = new List<string>();
        foreach (var alert in Alerts().Select(a => a.Str("alert")!))
        {
            var firing = cases.Count(c => c.Alert == alert && c.Fires);
            var quiet = cases.Count(c => c.Alert == alert && !c.Fires);
            if (alert == Heartbeat)
            {
                // The heartbeat is never quiet while the rules are evaluated: it must fire at every time tested.
                if (firing < 2 || quiet > 0)
                {
                    problems.Add($"{alert}: {firing} firing and {quiet} quiet cases (it must fire at two times at least, and never be quiet)");
                }
            }
            else if (firing == 0 || quiet == 0)
            {
                problems.Add($"{alert}: {firing} firing and {quiet} quiet cases");
            }
        }

        var unknown = cases.Select(c => c.Alert).Except(Alerts().Select(a => a.Str("alert")!)).ToList();
        Assert.True(unknown.Count == 0, $"test cases for rules that do not exist: {string.Join(", ", unknown)}");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_rule_is_the_systems_own_with_a_severity_and_a_summary()
    {
        var problems = new List<string>();
        foreach (var rule in Alerts())
        {
            var name = rule.Str("alert");
            if (rule.Str("labels", "system") != "agents")
            {
                problems.Add($"{name}: no label system=agents (the Alertmanager route to PagerDuty matches it)");
            }

            var severity = rule.Str("labels", "severity");
            if (severity is not ("critical" or "warning") && !(name == Heartbeat && severity == "none"))
            {
                problems.Add($"{name}: severity '{severity}' (critical or warning)");
            }

            if (string.IsNullOrWhiteSpace(rule.Str("annotations", "summary")) || string.IsNullOrWhiteSpace(rule.Str("annotations", "description")))
            {
                problems.Add($"{name}: a summary and a description are needed (the page's text)");
            }
        }

        Assert.Contains(Alerts(), r => r.Str("alert") == Heartbeat && r.Str("expr") == "vector(1)" && r.Str("for") is null);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_PrometheusRule_has_the_same_groups_as_the_rules_file()
    {
        var file = Yaml.LoadAll(Repo.ReadText(RulesFile)).Single().At("groups");
        var rendered = Rendering.Of(Kustomization).Find("PrometheusRule", "agents")
            ?? throw new Xunit.Sdk.XunitException($"{Kustomization}: no PrometheusRule named agents");

        Assert.Equal("monitoring.coreos.com/v1", rendered.Body.Str("apiVersion"));
        Assert.True(Canonical(file) == Canonical(rendered.Body.At("spec", "groups")),
            $"{PrometheusRule} differs from {RulesFile}: copy the rules file's groups under spec: (indented by 2)");
    }

    [Fact]
    public void Every_service_has_a_ServiceMonitor_under_the_job_name_the_rules_expect()
    {
        var rendering = Rendering.Of(Kustomization);
        var problems = new List<string>();
        foreach (var service in Services.All)
        {
            var metrics = rendering.Find("Service", $"{service}-metrics");
            var monitor = rendering.Find("ServiceMonitor", service);
            if (metrics is null || monitor is null)
            {
                problems.Add($"{service}: Service {service}-metrics {(metrics is null ? "missing" : "ok")}, ServiceMonitor {(monitor is null ? "missing" : "ok")}");
                continue;
            }

            if (metrics.Body.Str("spec", "selector", "app.kubernetes.io/name") != service
                || !metrics.Body.List("spec", "ports").Any(p => p.Str("name") == "http" && p.Str("targetPort") == "http"))
            {
                problems.Add($"{service}: Service {service}-metrics does not select the pods' port http");
            }

            var selector = monitor.Body.StringMap("spec", "selector", "matchLabels");
            var labels = metrics.Body.StringMap("metadata", "labels");
            if (selector.Count == 0 || selector.Any(s => !labels.TryGetValue(s.Key, out var v) || v != s.Value))
            {
                problems.Add($"{service}: the ServiceMonitor does not select Service {service}-metrics");
            }

            // The job label is the Service's app.kubernetes.io/name: the service's name, as the rules match it.
            if (monitor.Body.Str("spec", "jobLabel") != "app.kubernetes.io/name" || labels.GetValueOrDefault("app.kubernetes.io/name") != service)
            {
                problems.Add($"{service}: the ServiceMonitor's job would not be '{service}'");
            }

            if (!monitor.Body.List("spec", "endpoints").Any(e => e.Str("port") == "http" && e.Str("path") == "/metrics"))
            {
                problems.Add($"{service}: the ServiceMonitor does not scrape port http, path /metrics");
            }
        }

        // The rules name the same services: down, missing.
        var down = Alerts().Single(a => a.Str("alert") == "AgentsServiceDown").Str("expr")!;
        var jobs = JobRegex().Match(down).Groups["jobs"].Value.Split('|').Order(StringComparer.Ordinal);
        var missing = AbsentJob().Matches(Alerts().Single(a => a.Str("alert") == "AgentsServiceMissing").Str("expr")!)
            .Select(m => m.Groups["job"].Value).Order(StringComparer.Ordinal);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(Services.All.Order(StringComparer.Ordinal), jobs);
        Assert.Equal(Services.All.Order(StringComparer.Ordinal), missing);
    }

    [Fact]
    public void The_Alertmanager_example_pages_the_system_straight_through_PagerDuty_and_its_heartbeat_through_a_dead_mans_switch()
    {
        var config = Repo.PathOf(AlertmanagerConfig);
        Assert.Contains("SUCCESS", Tool.Run(Amtool, ["check-config", config], Repo.Root).StdoutOrFail(), StringComparison.Ordinal);

        Assert.Equal("dead-mans-switch", Route(config, $"alertname={Heartbeat}", "system=agents", "severity=none"));
        foreach (var rule in Alerts().Where(a => a.Str("alert") != Heartbeat))
        {
            var labels = rule.StringMap("labels").Select(l => $"{l.Key}={l.Value}").Prepend($"alertname={rule.Str("alert")}").ToArray();
            Assert.Equal("agents-pagerduty", Route(config, labels));
        }

        // Any other alert is the product's work: an incident, through the ingress.
        Assert.Equal("agents-ingress", Route(config, "alertname=HighErrorRate", "service=auth-service", "severity=critical"));

        var am = Yaml.LoadAll(Repo.ReadText(AlertmanagerConfig)).Single();
        var receivers = am.List("receivers").ToDictionary(r => r.Str("name")!, r => r);
        var heartbeat = am.List("route", "routes").Single(r => r.Str("receiver") == "dead-mans-switch");
        Assert.Equal("1m", heartbeat.Str("repeat_interval"));
        Assert.NotEmpty(receivers["dead-mans-switch"].List("webhook_configs"));
        Assert.NotEmpty(receivers["agents-pagerduty"].List("pagerduty_configs"));
        Assert.Empty(receivers["agents-pagerduty"].List("webhook_configs"));

        // Nothing inhibits or mutes the heartbeat.
        Assert.DoesNotContain(am.List("inhibit_rules"), r => r.List("target_matchers").Any(m => m.Str()!.Contains(Heartbeat, StringComparison.Ordinal)));
    }

    private static IReadOnlyList<object?> Alerts() =>
        Yaml.LoadAll(Repo.ReadText(RulesFile)).Single().List("groups").SelectMany(g => g.List("rules")).Where(r => r.Str("alert") is not null).ToList();

    /// <summary>The receiver amtool's routing test picks for an alert with <paramref name="labels"/>.</summary>
    private static string Route(string config, params string[] labels) =>
        Tool.Run(Amtool, ["config", "routes", "test", $"--config.file={config}", .. labels], Repo.Root).StdoutOrFail().Trim();

    /// <summary>A YAML tree as text, mappings with sorted keys, so that two trees compare equal when their content does.</summary>
    private static string Canonical(object? node)
    {
        var text = new StringBuilder();
        Write(node);
        return text.ToString();

        void Write(object? value)
        {
            switch (value)
            {
                case IDictionary<object, object?> map:
                    text.Append('{');
                    foreach (var (key, item) in map.OrderBy(e => Convert.ToString(e.Key, CultureInfo.InvariantCulture), StringComparer.Ordinal))
                    {
                        text.Append(Convert.ToString(key, CultureInfo.InvariantCulture)).Append(':');
                        Write(item);
                        text.Append(',');
                    }

                    text.Append('}');
                    break;
                case IList<object?> list:
                    text.Append('[');
                    foreach (var item in list)
                    {
                        Write(item);
                        text.Append(',');
                    }

                    text.Append(']');
                    break;
                default:
                    text.Append('"').Append(Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
            }
        }
    }

    [GeneratedRegex("""up\{job=~"(?<jobs>[^"]+)"\}""")]
    private static partial Regex JobRegex();

    [GeneratedRegex("""absent\(up\{job="(?<job>[^"]+)"\}\)""")]
    private static partial Regex AbsentJob();
}

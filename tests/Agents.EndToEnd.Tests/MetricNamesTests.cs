using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Agents.Contracts.Incidents;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// All fourteen services, the ingress with an Alertmanager source: the system whose <c>/metrics</c> the monitoring of
/// deploy/monitoring is built on.
/// </summary>
public sealed class MetricNamesFixture() : SystemFixture(
    Services, new Dictionary<string, string> { ["Ingress__Sources__alertmanager__Token"] = AlertmanagerToken })
{
    public const string AlertmanagerToken = "e2e-metric-names-token-0123456789";

    /// <summary>Every service of the system, once each.</summary>
    public static readonly string[] Services =
    [
        "scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api", "ingress",
        "policy", "coding", "medical", "reviewers", "change-freeze",
    ];
}

/// <summary>
/// Every query of the Grafana dashboards and every expression of the alerting rules (deploy/monitoring) names metrics the
/// running system exposes: scraped from every service's <c>/metrics</c> and RabbitMQ's Prometheus endpoints after one
/// incident came in through the ingress. An instrument of the services that records only when its event happens (a
/// retry, a model error, a saga conflict, a late scheduled send) has no series before that: such a name is accepted
/// when a service declares the instrument (<c>Create...("agents...."</c> in services/); every other name must be scraped.
/// Each query also parses in the real Prometheus of the fixture.
/// </summary>
public sealed partial class MetricNamesTests(MetricNamesFixture system, ITestOutputHelper output) : IClassFixture<MetricNamesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>PromQL words that are not metric names.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN",
    };

    [Fact]
    public async Task Every_dashboard_query_and_rule_names_a_metric_the_running_system_exposes()
    {
        var queries = DashboardQueries().Concat(RuleExpressions()).ToList();
        Assert.True(queries.Count > 40, $"only {queries.Count} queries found in deploy/monitoring");

        await OneIncidentThroughTheIngress();
        var exposed = await ScrapeEverything();
        var declared = DeclaredInstruments();

        var problems = new List<string>();
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (where, query) in queries)
        {
            foreach (var name in MetricNames(query))
            {
                used.Add(name);
                // `up` is Prometheus's own, for every target.
                if (name != "up" && !exposed.Contains(name) && !declared.Contains(name))
                {
                    problems.Add($"{where}: {name} is neither exposed by a running service nor declared by one ({query})");
                }
            }
        }

        // The extraction itself: names from a histogram quantile, a label matcher with a regex, a rule's absent().
        Assert.Subset(used, new SortedSet<string>(StringComparer.Ordinal)
            { "agents_step_duration_seconds_bucket", "rabbitmq_detailed_queue_messages", "up", "agents_tokens_total", "db_client_connection_count" });
        Assert.DoesNotContain(used, n => Keywords.Contains(n) || n is "le" or "job" or "agent_name" or "histogram_quantile");

        output.WriteLine($"{queries.Count} queries, {used.Count} metric names; not scraped (declared, event-only): "
            + string.Join(", ", used.Where(n => n != "up" && !exposed.Contains(n))));
        Assert.True(problems.Count == 0, string.Join('\n', problems));

        // Each query is valid PromQL for a real Prometheus (Grafana's $__rate_interval as 1m).
        using var http = new HttpClient { BaseAddress = system.Prometheus.Address, Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (where, query) in queries)
        {
            var promql = query.Replace("$__rate_interval", "1m", StringComparison.Ordinal);
            using var response = await http.GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{where}: Prometheus refuses {promql}: {body}");
        }
    }

    /// <summary>An incident from an Alertmanager webhook to its end, so that the ingress, step, token and store series exist.</summary>
    private async Task OneIncidentThroughTheIngress()
    {
        var service = $"metrics-{Guid.NewGuid():N}"[..20];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v2.0.1", "v2.0.0", alertTime.AddMinutes(-5));
        using var ingress = new HttpClient { BaseAddress = system.Addresses("ingress")[0], Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/alertmanager")
        {
            Content = new StringContent(IncidentFlowTests.Alertmanager(service, fingerprint, "critical", alertTime), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MetricNamesFixture.AlertmanagerToken);
        using var accepted = await ingress.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);

        await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
    }

    /// <summary>
    /// The metric names on every service's <c>/metrics</c> and on RabbitMQ's Prometheus endpoints, once the incident's
    /// counts have been reported (a moment after the API sees the incident) and the readiness and in-flight gauges ran.
    /// </summary>
    private async Task<HashSet<string>> ScrapeEverything()
    {
        var rabbit = Environment.GetEnvironmentVariable("RABBITMQ_PROMETHEUS_URL") is { Length: > 0 } url
            ? new Uri(url.TrimEnd('/') + "/")
            : throw new InvalidOperationException(
                "RABBITMQ_PROMETHEUS_URL is not set: run eval \"$(deploy/local/deps.sh env)\" with a node started by deploy/local/deps.sh up");
        var services = MetricNamesFixture.Services.SelectMany(system.Addresses).ToList();
        Assert.Equal(14, services.Count);

        var names = new HashSet<string>(StringComparer.Ordinal);
        await system.WaitUntil(async () =>
        {
            names = [];
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            foreach (var service in services)
            {
                names.UnionWith(ExposedNames(await http.GetStringAsync(new Uri(service, "metrics"))));
            }

            names.UnionWith(ExposedNames(await http.GetStringAsync(new Uri(rabbit, "metrics"))));
            names.UnionWith(ExposedNames(await http.GetStringAsync(new Uri(rabbit, "metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count"))));
            return names.Contains("agents_incidents_ended_total") && names.Contains("agents_ingress_webhooks_total")
                && names.Contains("agents_health_ready") && names.Contains("agents_incidents_in_flight_oldest_age_seconds")
                && names.Contains("rabbitmq_detailed_queue_messages");
        }, () => $"the incident's, readiness and queue metrics (so far: {string.Join(", ", names.Where(n => n.StartsWith("agents_", StringComparison.Ordinal)))})", Patience);
        return names;
    }

    /// <summary>The sample names of a Prometheus text exposition (histograms as their _bucket, _sum and _count series).</summary>
    private static IEnumerable<string> ExposedNames(string exposition) =>
        exposition.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => SampleName().Match(l).Value).Where(n => n.Length > 0);

    /// <summary>
    /// The Prometheus names of the project's own instruments as the services declare them (<c>Meter.CreateCounter&lt;long&gt;(
    /// "agents.step.retries", "{retry}", ...)</c>): dots to underscores, the unit <c>s</c> as <c>_seconds</c>, counters with
    /// <c>_total</c>, histograms as <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.
    /// </summary>
    private static HashSet<string> DeclaredInstruments()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var services = Path.Combine(TestEnvironment.RepositoryRoot, "services");
        foreach (var file in Directory.EnumerateFiles(services, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (Match m in Instrument().Matches(File.ReadAllText(file)))
            {
                var name = m.Groups["name"].Value.Replace('.', '_') + (m.Groups["unit"].Value == "s" ? "_seconds" : "");
                switch (m.Groups["kind"].Value)
                {
                    case "Counter":
                        names.Add(name + "_total");
                        break;
                    case "Histogram":
                        names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                        break;
                }
            }
        }

        Assert.Contains("agents_step_retries_total", names);
        return names;
    }

    /// <summary>Every <c>expr</c> of the Grafana dashboards' panels, with where it is.</summary>
    private static IEnumerable<(string Where, string Query)> DashboardQueries()
    {
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "monitoring", "dashboards");
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, files.Count);
        foreach (var file in files)
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                foreach (var target in targets.EnumerateArray())
                {
                    yield return ($"{Path.GetFileName(file)} \"{panel.GetProperty("title").GetString()}\"", target.GetProperty("expr").GetString()!);
                }
            }
        }
    }

    /// <summary>Every <c>expr:</c> of the rules file: on its line, or a block scalar (<c>&gt;-</c>) on the lines indented under it.</summary>
    private static IEnumerable<(string Where, string Query)> RuleExpressions()
    {
        var lines = File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "monitoring", "rules", "agents.rules.yml"));
        for (var i = 0; i < lines.Length; i++)
        {
            if (ExprLine().Match(lines[i]) is not { Success: true } match)
            {
                continue;
            }

            var where = $"agents.rules.yml line {(i + 1).ToString(CultureInfo.InvariantCulture)}";
            var value = match.Groups["value"].Value.Trim();
            if (value is not (">-" or ">" or "|" or "|-"))
            {
                yield return (where, value);
                continue;
            }

            var indent = match.Groups["indent"].Value.Length;
            var block = new List<string>();
            while (i + 1 < lines.Length && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent))
            {
                block.Add(lines[++i].Trim());
            }

            yield return (where, string.Join(' ', block));
        }
    }

    /// <summary>
    /// The metric names a PromQL expression selects: its identifiers, without label matchers, range selectors, strings,
    /// grouping clauses, functions and keywords.
    /// </summary>
    internal static IEnumerable<string> MetricNames(string query)
    {
        var text = Quoted().Replace(query, "\"\"");
        text = Matchers().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        foreach (Match m in Identifier().Matches(text))
        {
            var rest = text.AsSpan(m.Index + m.Length).TrimStart();
            if (Keywords.Contains(m.Value) || (rest.Length > 0 && rest[0] == '('))
            {
                continue;
            }

            yield return m.Value;
        }
    }

    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*""")]
    private static partial Regex SampleName();

    [GeneratedRegex("""Create(?<kind>Counter|Histogram)(<[^>]+>)?\(\s*"(?<name>agents\.[a-z0-9_.]+)",\s*"(?<unit>[^"]*)(?=")""")]
    private static partial Regex Instrument();

    [GeneratedRegex("""^(?<indent>\s*)expr:\s*(?<value>.*)$""")]
    private static partial Regex ExprLine();

    [GeneratedRegex("""(?:")(\\.|[^"\\])*(?:")""")]
    private static partial Regex Quoted();

    [GeneratedRegex("""\{[^}]*\}""")]
    private static partial Regex Matchers();

    [GeneratedRegex("""\[[^\]]*\]""")]
    private static partial Regex Ranges();

    [GeneratedRegex("""\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)""")]
    private static partial Regex Grouping();

    [GeneratedRegex("""(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*""")]
    private static partial Regex Identifier();
}

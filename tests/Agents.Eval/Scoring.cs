using System.Text.Json.Nodes;
using Agents.Contracts.Incidents;

namespace Agents.Eval;

/// <summary>One agent's check of one scenario: whether it applied, whether it was right, and what differed.</summary>
internal sealed record Check(string Agent, bool Applies, bool Right, IReadOnlyList<string> Differences);

/// <summary>A scenario's result: each agent's check, the incident's figures, and its conclusion.</summary>
internal sealed record ScenarioResult(
    PreparedScenario Scenario,
    IReadOnlyList<Check> Checks,
    string ExpectedCategory,
    string ConcludedCategory,
    double Seconds,
    long Tokens,
    string Status,
    IncidentDetails? Details,
    string? Error)
{
    public bool Right => Error is null && Checks.Where(c => c.Applies).All(c => c.Right);
}

/// <summary>Scores an incident against its scenario's expectation, agent by agent (eval/README.md says what each check is).</summary>
internal static class Scoring
{
    public static readonly string[] Agents = ["triage", "context", "investigation", "remediation", "outcome"];

    public static ScenarioResult Score(PreparedScenario scenario, IncidentDetails? details, double seconds, string? error)
    {
        var expect = scenario.File.Expect;
        var expectedCategory = expect.Category ?? "(none)";
        if (details is null)
        {
            var failed = Agents.Select(a => new Check(a, true, false, [error ?? "no incident"])).ToList();
            return new ScenarioResult(scenario, failed, expectedCategory, "(no incident)", seconds, 0, "(none)", null, error);
        }

        var triage = details.Triage;
        var hypothesis = details.Hypothesis;
        var context = details.Context;
        List<Check> checks = [];

        List<string> triageDiff = [];
        Compare(triageDiff, "severity", expect.Severity, triage?.Severity);
        Compare(triageDiff, "service", expect.Service, scenario.Original(triage?.Service));
        checks.Add(new Check("triage", true, triageDiff.Count == 0, triageDiff));

        // The context agent is right when it gathered what the scenario's sources hold for the incident's window.
        List<string> contextDiff = [];
        var investigated = expect.Category is not null;
        if (investigated)
        {
            if (context is null)
            {
                contextDiff.Add("no context was gathered");
            }
            else
            {
                foreach (var deploy in scenario.File.Deploys)
                {
                    var service = scenario.Renamed(deploy["service"]?.GetValue<string>() ?? "");
                    var version = deploy["version"]?.GetValue<string>();
                    var at = DateTimeOffset.Parse(deploy["deployed_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) + scenario.Shift;
                    var concerns = string.Equals(service, context.Service, StringComparison.OrdinalIgnoreCase);
                    if (concerns && at >= context.WindowStart && at <= context.WindowEnd
                        && !context.RecentDeploys.Any(d => d.Version == version && string.Equals(d.Service, service, StringComparison.OrdinalIgnoreCase)))
                    {
                        contextDiff.Add($"deploy {version} of {scenario.Original(service)} missing");
                    }
                }

                var queried = (context.Profile?.DependsOn ?? []).Append(context.Service).ToHashSet(StringComparer.OrdinalIgnoreCase);
                foreach (var series in scenario.File.Prometheus.Where(p => queried.Contains(scenario.Renamed(p.Service))))
                {
                    if (!context.Series.Any(s => string.Equals(s.Service, scenario.Renamed(series.Service), StringComparison.OrdinalIgnoreCase)))
                    {
                        contextDiff.Add($"no series of {series.Service}");
                    }
                }

                if (scenario.File.Logs.Any(l => scenario.Renamed(l.Service) == context.Service) && context.LogPatterns.Count == 0)
                {
                    contextDiff.Add("no log patterns");
                }

                var troubled = scenario.File.Kubernetes.Any(k => scenario.Renamed(k.Service) == context.Service
                    && (k.Events.Count > 0 || k.Pods.Any(p => p.LastTerminated is not null || p.Waiting is not null)));
                if (troubled && context.WorkloadEvents.Count == 0)
                {
                    contextDiff.Add("no workload events");
                }
            }
        }

        checks.Add(new Check("context", investigated, contextDiff.Count == 0, contextDiff));

        List<string> investigationDiff = [];
        if (investigated)
        {
            Compare(investigationDiff, "category", expect.Category, hypothesis?.Category);
            if (expect.Version is not null)
            {
                Compare(investigationDiff, "suspect version", expect.Version, hypothesis?.SuspectVersion);
            }

            if (expect.Dependency is not null)
            {
                Compare(investigationDiff, "dependency", expect.Dependency, scenario.Original(hypothesis?.Dependency));
            }
        }

        checks.Add(new Check("investigation", investigated, investigationDiff.Count == 0, investigationDiff));

        List<string> remediationDiff = [];
        Compare(remediationDiff, "action", expect.Action, details.Remediation?.ActionId ?? "none");
        checks.Add(new Check("remediation", investigated, remediationDiff.Count == 0, remediationDiff));

        List<string> outcomeDiff = [];
        Compare(outcomeDiff, "status", expect.Outcome, details.Summary.Status);
        checks.Add(new Check("outcome", true, outcomeDiff.Count == 0, outcomeDiff));

        return new ScenarioResult(
            scenario, checks, expectedCategory, hypothesis?.Category ?? "(none)", seconds,
            details.Tokens.Total.Total, details.Summary.Status, details, error);
    }

    /// <summary>The recorded conclusion (an exported incident's) beside this run's, step by step.</summary>
    public static IEnumerable<string> ReplayLines(ScenarioResult result)
    {
        if (result.Scenario.File.Recorded is not { } recorded)
        {
            yield break;
        }

        var details = result.Details;
        var now = new Dictionary<string, string?>
        {
            ["triage"] = details?.Triage is { } t ? $"{t.Severity} {result.Scenario.Original(t.Service)} {t.ErrorType}" : null,
            ["investigation"] = details?.Hypothesis is { } h ? $"{h.Category} {h.SuspectVersion ?? result.Scenario.Original(h.Dependency)}".TrimEnd() + $": {h.Summary}" : null,
            ["remediation"] = details?.Remediation is { } r ? $"{r.ActionId}: {r.Outcome}" : "none",
            ["outcome"] = details?.Summary.Status,
        };
        var differed = false;
        foreach (var (step, value) in now)
        {
            var then = recorded[step]?.GetValue<string>();
            if (!Same(then, value))
            {
                differed = true;
                yield return $"    {step}: recorded \"{then ?? "(nothing)"}\"";
                yield return $"    {new string(' ', step.Length)}  now      \"{value ?? "(nothing)"}\"";
            }
        }

        if (!differed)
        {
            yield return $"    every step as recorded ({Short(now["investigation"] ?? now["outcome"])})";
        }
    }

    /// <summary>Two conclusions are the same when they agree on their first words (the decision), whatever the wording after.</summary>
    private static bool Same(string? recorded, string? now)
    {
        static string Head(string? text) => text is null ? "" : text.Split(':')[0].Trim();
        return string.Equals(Head(recorded), Head(now), StringComparison.OrdinalIgnoreCase);
    }

    private static string Short(string? text) => text is null ? "(nothing)" : text.Length <= 60 ? text : text[..57] + "...";

    private static void Compare(List<string> differences, string what, string? expected, string? actual)
    {
        if (!string.Equals(expected ?? "", actual ?? "", StringComparison.OrdinalIgnoreCase))
        {
            differences.Add($"{what} expected {expected ?? "(none)"}, got {actual ?? "(none)"}");
        }
    }

    /// <summary>The JSON report of a run.</summary>
    public static JsonObject Report(IReadOnlyList<ScenarioResult> results, double totalSeconds, string brains)
    {
        var perAgent = new JsonObject();
        foreach (var agent in Agents)
        {
            var applied = results.SelectMany(r => r.Checks).Where(c => c.Agent == agent && c.Applies).ToList();
            perAgent[agent] = new JsonObject { ["right"] = applied.Count(c => c.Right), ["of"] = applied.Count, ["accuracy"] = Percent(applied.Count(c => c.Right), applied.Count) };
        }

        var perCategory = new JsonObject();
        foreach (var group in results.GroupBy(r => r.ExpectedCategory).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            perCategory[group.Key] = new JsonObject { ["right"] = group.Count(r => r.Right), ["of"] = group.Count(), ["accuracy"] = Percent(group.Count(r => r.Right), group.Count()) };
        }

        var confusion = new JsonObject();
        foreach (var group in results.GroupBy(r => r.ExpectedCategory).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var row = new JsonObject();
            foreach (var concluded in group.GroupBy(r => r.ConcludedCategory).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                row[concluded.Key] = concluded.Count();
            }

            confusion[group.Key] = row;
        }

        var scenarios = new JsonArray();
        foreach (var r in results)
        {
            scenarios.Add(new JsonObject
            {
                ["name"] = r.Scenario.Name,
                ["right"] = r.Right,
                ["status"] = r.Status,
                ["expectedCategory"] = r.ExpectedCategory,
                ["concludedCategory"] = r.ConcludedCategory,
                ["seconds"] = Math.Round(r.Seconds, 2),
                ["tokens"] = r.Tokens,
                ["incidentId"] = r.Details?.Summary.IncidentId.ToString(),
                ["hypothesis"] = r.Details?.Hypothesis?.Summary,
                ["escalation"] = r.Details?.EscalationReason,
                ["error"] = r.Error,
                ["differences"] = new JsonArray([.. r.Checks.Where(c => c.Applies && !c.Right).SelectMany(c => c.Differences.Select(d => (JsonNode?)JsonValue.Create($"{c.Agent}: {d}")))]),
            });
        }

        return new JsonObject
        {
            ["brains"] = brains,
            ["scenarios"] = results.Count,
            ["overall"] = Percent(results.Count(r => r.Right), results.Count),
            ["seconds"] = Math.Round(totalSeconds, 1),
            ["perAgent"] = perAgent,
            ["perCategory"] = perCategory,
            ["confusion"] = confusion,
            ["results"] = scenarios,
        };
    }

    public static double Percent(int right, int of) => of == 0 ? 0 : Math.Round(100.0 * right / of, 1);
}

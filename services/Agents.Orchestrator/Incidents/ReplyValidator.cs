using System.Globalization;
using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Workflows;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Checks every agent's output before it enters the incident state: schema, the alert's time window,
/// the service name, and consistency with earlier segments. Returns the reason it was rejected, or null.
/// </summary>
public static class ReplyValidator
{
    /// <summary>How far the triaged time may be from the alert's own time.</summary>
    public static readonly TimeSpan TriageTimeTolerance = TimeSpan.FromHours(1);

    /// <summary>An error rate at or above this, in the context, contradicts a hypothesis that found no errors.</summary>
    public const double SignificantErrorRate = 0.05;

    private static readonly IReadOnlyList<string> Categories = HypothesisCategories.All;

    public static string? Triage(IncidentState incident, TriageResult result)
    {
        var problems = new List<string>();
        if (!Severities.IsKnown(result.Severity))
        {
            problems.Add($"severity '{result.Severity}' is not one of {string.Join(", ", Severities.All)}");
        }

        if (string.IsNullOrWhiteSpace(result.Service))
        {
            problems.Add("no service");
        }
        else if (!string.IsNullOrWhiteSpace(incident.Alert.Service)
            && result.CatalogMatch is null
            && !string.Equals(result.Service, incident.Alert.Service, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"service '{result.Service}' is not the alert's service '{incident.Alert.Service}'");
        }

        if ((result.OccurredAt - incident.Alert.OccurredAt).Duration() > TriageTimeTolerance)
        {
            problems.Add($"time {result.OccurredAt:O} is more than {TriageTimeTolerance.TotalMinutes:0} minutes from the alert's {incident.Alert.OccurredAt:O}");
        }

        if (string.IsNullOrWhiteSpace(result.ErrorType) || string.IsNullOrWhiteSpace(result.Summary))
        {
            problems.Add("error type or summary missing");
        }

        return Join("triage", problems);
    }

    public static string? Context(IncidentState incident, IncidentContext context)
    {
        var problems = new List<string>();
        var service = incident.Triage?.Service;
        if (!string.Equals(context.Service, service, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"service '{context.Service}' is not the triaged service '{service}'");
        }

        if (context.WindowStart > context.WindowEnd)
        {
            problems.Add("window starts after it ends");
        }

        var alertTime = incident.Triage?.OccurredAt ?? incident.Alert.OccurredAt;
        if (alertTime < context.WindowStart || alertTime > context.WindowEnd)
        {
            problems.Add($"window {context.WindowStart:O}..{context.WindowEnd:O} does not contain the alert time {alertTime:O}");
        }

        foreach (var metric in context.Metrics)
        {
            if (!double.IsFinite(metric.Value) || metric.Value < 0)
            {
                problems.Add($"metric {metric.Name} has an impossible value {metric.Value}");
            }
            else if (metric.Name == "error_rate" && metric.Value > 1)
            {
                problems.Add($"error_rate {metric.Value} is not a fraction");
            }

            if (metric.ObservedAt < context.WindowStart || metric.ObservedAt > context.WindowEnd)
            {
                problems.Add($"metric {metric.Name} observed at {metric.ObservedAt:O}, outside the window");
            }
        }

        foreach (var deploy in context.RecentDeploys)
        {
            if (!string.Equals(deploy.Service, context.Service, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"deploy {deploy.Version} is of another service '{deploy.Service}'");
            }

            if (deploy.DeployedAt > context.WindowEnd)
            {
                problems.Add($"deploy {deploy.Version} at {deploy.DeployedAt:O} is after the window");
            }
        }

        return Join("context", problems);
    }

    public static string? Hypothesis(IncidentState incident, Hypothesis hypothesis)
    {
        var problems = new List<string>();
        var context = incident.Context;
        if (!Categories.Contains(hypothesis.Category))
        {
            problems.Add($"category '{hypothesis.Category}' is not one of {string.Join(", ", Categories)}");
        }

        if (string.IsNullOrWhiteSpace(hypothesis.Summary))
        {
            problems.Add("no summary");
        }

        if (!double.IsFinite(hypothesis.Confidence) || hypothesis.Confidence is < 0 or > 1)
        {
            problems.Add($"confidence {hypothesis.Confidence} is not between 0 and 1");
        }

        if (hypothesis.Category != "unknown" && hypothesis.Evidence.Count == 0)
        {
            problems.Add($"a {hypothesis.Category} hypothesis without evidence");
        }

        if (context is not null)
        {
            if (hypothesis.SuspectVersion is { } suspect
                && !context.RecentDeploys.Any(d => d.Version == suspect))
            {
                problems.Add($"suspect version '{suspect}' is not among the service's recent deploys");
            }

            foreach (var evidence in hypothesis.Evidence.Where(e => e.ObservedAt is { } at && (at < context.WindowStart || at > context.WindowEnd)))
            {
                problems.Add($"evidence '{evidence.Description}' at {evidence.ObservedAt:O} is outside the window");
            }

            if (Contradiction(context, hypothesis) is { } contradiction)
            {
                return contradiction;
            }
        }

        return Join("hypothesis", problems);
    }

    /// <summary>
    /// A hypothesis that says what the measurements deny: no errors while a source measured an error rate of at least
    /// <see cref="SignificantErrorRate"/> (named with its figure and source), or a regression blaming a deploy that came
    /// after every measured step up of the service's error ratio, latency and saturation had started (named with both times).
    /// </summary>
    private static string? Contradiction(IncidentContext context, Hypothesis hypothesis)
    {
        var worst = context.Metrics.Where(m => m.Name == "error_rate").MaxBy(m => m.Value);
        if (!hypothesis.ErrorsObserved && worst is { } reading && reading.Value >= SignificantErrorRate)
        {
            var measured = reading.Source == "alert" ? "the alert reports" : $"{reading.Source} measured";
            var baseline = reading.Baseline is { } b ? string.Create(CultureInfo.InvariantCulture, $", baseline {b * 100:0.#}%") : "";
            return string.Create(CultureInfo.InvariantCulture,
                $"contradiction: {measured} an error rate of {reading.Value * 100:0.#}% for {context.Service}{baseline} but the hypothesis reports no errors found");
        }

        if (hypothesis.Category == HypothesisCategories.Regression
            && hypothesis.SuspectVersion is { } suspect
            && context.RecentDeploys.Where(d => d.Version == suspect).MinBy(d => d.DeployedAt) is { } deploy)
        {
            var steps = context.Series
                .Where(s => string.Equals(s.Service, context.Service, StringComparison.OrdinalIgnoreCase)
                    && s.Signal is MetricSignals.ErrorRatio or MetricSignals.LatencyP99 or MetricSignals.Saturation
                    && s.Step is { Direction: "up" })
                .OrderBy(s => s.Step!.Began)
                .ToList();

            // Refused only when the deploy came after every measured step had started: a later step may be its own.
            if (steps.Count > 0 && steps.All(s => deploy.DeployedAt > s.Step!.Began + s.TimingTolerance))
            {
                var last = steps[^1];
                var step = last.Step!;
                return string.Create(CultureInfo.InvariantCulture,
                    $"contradiction: the hypothesis blames deploy {suspect} at {deploy.DeployedAt:u}, but {last.Source} measured the {last.Signal.Replace('_', ' ')} of {context.Service} stepping up from {Figure(step.Before, last.Unit)} to {Figure(step.After, last.Unit)} at {step.Began:u}, before that deploy");
            }
        }

        return null;
    }

    private static string Figure(double value, string unit) => unit switch
    {
        "ratio" => string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.#}%"),
        "seconds" => string.Create(CultureInfo.InvariantCulture, $"{value * 1000:0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {unit}"),
    };

    public static string? Remediation(IncidentState incident, RemediationResult result)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(result.ActionId))
        {
            problems.Add("no action");
        }

        if (result.Parameters.TryGetValue("service", out var service)
            && !string.Equals(service, incident.Triage?.Service, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"acts on service '{service}', not the incident's '{incident.Triage?.Service}'");
        }

        if (string.IsNullOrWhiteSpace(result.Outcome))
        {
            problems.Add("no outcome");
        }

        return Join("remediation", problems);
    }

    private static string? Join(string what, List<string> problems) =>
        problems.Count == 0 ? null : $"invalid {what} output: {string.Join("; ", problems)}";
}

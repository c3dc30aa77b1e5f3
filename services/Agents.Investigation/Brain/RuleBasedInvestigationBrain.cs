using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Investigation.Brain;

/// <summary>
/// A root-cause hypothesis by fixed rules, first match wins:
/// <list type="number">
/// <item><b>regression</b>: the newest deploy of the service at or before the alert and at most
/// <see cref="InvestigationOptions.RegressionWindow"/> before it is the suspect; the last good version is the
/// deploy's previous version, else the version of the next older deploy (if it differs). Confidence 0.8, 0.9 when
/// a metric is anomalous.</item>
/// <item><b>capacity</b>: an anomalous CPU or memory reading, or triage classified the alert as saturation.
/// Confidence 0.7.</item>
/// <item><b>unknown</b>: nothing above explains the alert. Confidence 0.2.</item>
/// </list>
/// Whether errors were observed is always computed from the data (an <c>error_rate</c> reading of at least
/// <see cref="ErrorRateObserved"/>, or triage classified the alert as an error rate), so that a retry after a
/// rejected hypothesis cannot repeat a contradiction. The suspect version is always one of the context's deploys.
/// A retry's hypothesis names why the previous attempt was rejected.
/// </summary>
public sealed class RuleBasedInvestigationBrain(IOptions<InvestigationOptions> options) : IAgentBrain<InvestigateIncident, Hypothesis>
{
    public const string Regression = "regression";
    public const string Capacity = "capacity";
    public const string Unknown = "unknown";

    /// <summary>An error rate at or above this counts as errors observed.</summary>
    public const double ErrorRateObserved = 0.01;

    public string Kind => "rules";

    public Task<AgentOutcome<Hypothesis>> DecideAsync(InvestigateIncident command, CancellationToken cancellationToken) =>
        Task.FromResult(AgentOutcome<Hypothesis>.Success(Investigate(command)));

    public Hypothesis Investigate(InvestigateIncident command)
    {
        var facts = Facts.From(command, options.Value.RegressionWindow);
        var hypothesis = facts.Suspect is not null ? RegressionHypothesis(facts)
            : facts.Saturation.Count > 0 || facts.Triage.ErrorType == "saturation" ? CapacityHypothesis(facts)
            : UnknownHypothesis(facts);

        if (command.PreviousFailure is { } previous && !string.IsNullOrWhiteSpace(previous))
        {
            hypothesis = hypothesis with
            {
                Summary = $"{hypothesis.Summary} (re-examined after the previous attempt was rejected)",
                Evidence = [.. hypothesis.Evidence, new Evidence { Kind = "alert", Description = $"Previous attempt rejected: {previous.Trim()}" }],
            };
        }

        return hypothesis;
    }

    private static Hypothesis RegressionHypothesis(Facts facts)
    {
        var suspect = facts.Suspect!;
        var lastGood = LastGoodVersion(suspect, facts.Deploys);
        var signal = facts.ErrorRate is { } rate ? $" (error rate {Describe.Percent(rate)})"
            : facts.Anomalous.Count > 0 ? $" ({string.Join(", ", facts.Anomalous.Select(Describe.Metric))})"
            : "";
        return new Hypothesis
        {
            Category = Regression,
            Summary = $"Regression introduced by deploy {suspect.Version} of {facts.Service} "
                + $"{Describe.Minutes(facts.AlertTime - suspect.DeployedAt)} before the alert{signal}",
            Confidence = facts.Anomalous.Count > 0 ? 0.9 : 0.8,
            SuspectVersion = suspect.Version,
            LastGoodVersion = lastGood,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = [DeployEvidence(suspect, facts), .. facts.Anomalous.Select(MetricEvidence)],
        };
    }

    private static Hypothesis CapacityHypothesis(Facts facts)
    {
        var readings = facts.Saturation.Count > 0 ? $" ({string.Join(", ", facts.Saturation.Select(Describe.Metric))})" : "";
        List<Evidence> evidence = [.. facts.Saturation.Select(MetricEvidence), .. facts.Anomalous.Except(facts.Saturation).Select(MetricEvidence)];
        if (facts.Saturation.Count == 0)
        {
            evidence.Insert(0, AlertEvidence(facts, $"Triage classified the alert as saturation: {facts.Triage.Summary}"));
        }

        return new Hypothesis
        {
            Category = Capacity,
            Summary = $"{facts.Service} is running out of capacity{readings}; no deploy in the "
                + $"{Describe.Minutes(facts.RegressionWindow)} before the alert explains it",
            Confidence = 0.7,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis UnknownHypothesis(Facts facts)
    {
        List<Evidence> evidence = [AlertEvidence(facts, $"Alert: {facts.Triage.Summary}"), .. facts.Anomalous.Select(MetricEvidence)];
        if (facts.Deploys.FirstOrDefault() is { } latest)
        {
            var when = latest.DeployedAt > facts.AlertTime
                ? $"{Describe.Minutes(latest.DeployedAt - facts.AlertTime)} after the alert"
                : $"{Describe.Minutes(facts.AlertTime - latest.DeployedAt)} before the alert, outside the {Describe.Minutes(facts.RegressionWindow)} regression window";
            evidence.Add(new Evidence { Kind = "deploy", Description = $"Latest deploy {latest.Version} was {when}", ObservedAt = latest.DeployedAt });
        }

        var errors = facts.ErrorRate is { } rate ? $" (error rate {Describe.Percent(rate)})" : "";
        return new Hypothesis
        {
            Category = Unknown,
            Summary = $"No deploy of {facts.Service} in the {Describe.Minutes(facts.RegressionWindow)} before the alert "
                + $"and no saturation explains the {facts.Triage.ErrorType} alert{errors}",
            Confidence = 0.2,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    /// <summary>The suspect's previous version, else the next older deploy's version; never the suspect's own version.</summary>
    private static string? LastGoodVersion(DeployRecord suspect, IReadOnlyList<DeployRecord> newestFirst)
    {
        if (!string.IsNullOrWhiteSpace(suspect.PreviousVersion) && suspect.PreviousVersion != suspect.Version)
        {
            return suspect.PreviousVersion;
        }

        return newestFirst
            .SkipWhile(d => d != suspect)
            .Skip(1)
            .FirstOrDefault(d => d.Version != suspect.Version)?.Version;
    }

    private static Evidence DeployEvidence(DeployRecord deploy, Facts facts)
    {
        var from = deploy.PreviousVersion is { } previous ? $" (from {previous})" : "";
        var to = deploy.Environment is { } environment ? $" to {environment}" : "";
        var by = deploy.Author is { } author ? $" by {author}" : "";
        return new Evidence
        {
            Kind = "deploy",
            Description = $"Deploy of {deploy.Service} {deploy.Version}{from}{to}{by} at {Describe.Time(deploy.DeployedAt)}, "
                + $"{Describe.Minutes(facts.AlertTime - deploy.DeployedAt)} before the alert",
            ObservedAt = deploy.DeployedAt,
        };
    }

    private static Evidence MetricEvidence(MetricObservation metric)
    {
        var baseline = metric.Baseline is { } b ? $", baseline {Describe.Value(metric with { Value = b })}" : "";
        return new Evidence
        {
            Kind = "metric",
            Description = $"{Describe.Metric(metric)} is anomalous{baseline} (from {metric.Source})",
            ObservedAt = metric.ObservedAt,
        };
    }

    private static Evidence AlertEvidence(Facts facts, string description) =>
        new() { Kind = "alert", Description = description, ObservedAt = facts.AlertTime };
}

using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Investigation.Brain;

/// <summary>
/// A root-cause hypothesis by fixed rules that read the evidence. When a telemetry source measured the service (its
/// error ratio, latency, saturation as series with their step changes), first match wins:
/// <list type="number">
/// <item><b>regression</b>: one of the service's error ratio or latency steps (each considered, earliest first; then
/// saturation) started at most <see cref="InvestigationOptions.RegressionLag"/> after a deploy of this service (and not
/// more than <see cref="MetricSeries.TimingTolerance"/> (a minute, or the series' resolution when coarser) before it: a deploy after the step
/// started is not the cause), unless a dependency degraded within that lag before the deploy. The newest such deploy is
/// the suspect. Confidence 0.6, plus up to 0.2 for the effect size (full at 10) and up to 0.15 for the timing (full when
/// the step follows the deploy at once).</item>
/// <item><b>dependency</b>: a service this one depends on (catalog <c>dependsOn</c>) stepped up at most the regression lag
/// before this one did (or, when this one did not, before the alert). Confidence 0.75 when this one followed, 0.6 when
/// it did not.</item>
/// <item><b>capacity</b>: saturation stepped up or is anomalous, or pods were OOMKilled, with no deploy to blame.
/// Confidence 0.75 with a measured step, else 0.65.</item>
/// <item><b>known-issue</b>: a past incident of the service at least <see cref="InvestigationOptions.KnownIssueSimilarity"/>
/// alike was resolved by a runbook action. Confidence 0.55 + 0.3 × similarity (at most 0.85).</item>
/// <item><b>unknown</b>: the measured series explain nothing (each is named with its level). Confidence 0.2.</item>
/// </list>
/// When nothing measured the service (no metrics source, or none answered), the rules fall back to the alert's own
/// readings and the deploy timing, and say the evidence is thin: a deploy at most
/// <see cref="InvestigationOptions.RegressionWindow"/> before the alert is a regression (0.8, 0.9 with an anomalous
/// reading); an anomalous CPU/memory/saturation reading or a saturation alert is capacity (0.7); then a known issue;
/// else unknown (0.2, or 0.1 when the catalog does not even list the service).
/// Whether errors were observed is always computed from the data (an error rate of at least
/// <see cref="ErrorRateObserved"/>, or triage classified the alert as an error rate), so that a retry after a rejected
/// hypothesis cannot repeat a contradiction. The suspect version is always one of the context's deploys. A retry's
/// hypothesis names why the previous attempt was rejected.
/// </summary>
public sealed class RuleBasedInvestigationBrain(IOptions<InvestigationOptions> options) : IAgentBrain<InvestigateIncident, Hypothesis>
{
    public const string Regression = HypothesisCategories.Regression;
    public const string Capacity = HypothesisCategories.Capacity;
    public const string Dependency = HypothesisCategories.Dependency;
    public const string KnownIssue = HypothesisCategories.KnownIssue;
    public const string Unknown = HypothesisCategories.Unknown;

    /// <summary>An error rate at or above this counts as errors observed.</summary>
    public const double ErrorRateObserved = 0.01;

    public string Kind => "rules";

    public Task<AgentOutcome<Hypothesis>> DecideAsync(InvestigateIncident command, CancellationToken cancellationToken) =>
        Task.FromResult(AgentOutcome<Hypothesis>.Success(Investigate(command)));

    public Hypothesis Investigate(InvestigateIncident command)
    {
        var facts = Facts.From(command, options.Value);
        var hypothesis = SelfNamedFault(facts) ?? (facts.Measured ? FromMeasurements(facts) : FromAlertAlone(facts));
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

    private static Hypothesis FromMeasurements(Facts facts)
    {
        var lag = facts.Options.RegressionLag;
        foreach (var step in facts.OwnSteps)
        {
            var began = step.Step!.Began;
            var suspect = facts.Deploys
                .Where(d => d.DeployedAt <= began + step.TimingTolerance && began - d.DeployedAt <= lag)
                .MaxBy(d => d.DeployedAt);
            if (suspect is null)
            {
                continue;
            }

            // A dependency that degraded shortly before the deploy explains the step better than the deploy does.
            var earlier = facts.DependencySteps.FirstOrDefault(s => s.Step!.Began <= suspect.DeployedAt && suspect.DeployedAt - s.Step.Began <= lag);
            return earlier is not null ? DependencyHypothesis(facts, earlier)
                : ConfigErrorsSince(facts, suspect) is { Count: > 0 } config ? BadConfigHypothesis(facts, suspect, config, StepEvidence(step))
                : MeasuredRegression(facts, suspect, step);
        }

        if (FaultSignatures.ConfigErrors(facts.Context) is { Count: > 0 } configErrors)
        {
            return BadConfigHypothesis(facts, null, configErrors, null);
        }

        var reference = facts.DegradedAt ?? facts.AlertTime;
        var dependency = facts.DependencySteps.FirstOrDefault(s => s.Step!.Began <= reference + s.TimingTolerance && reference - s.Step.Began <= lag);
        if (dependency is not null)
        {
            return DependencyHypothesis(facts, dependency);
        }

        if (facts.SaturationStep is not null || facts.Saturation.Count > 0 || facts.MemoryKills.Count > 0)
        {
            return CapacityHypothesis(facts);
        }

        return KnownIssueHypothesis(facts) ?? MeasuredUnknown(facts);
    }

    private static Hypothesis FromAlertAlone(Facts facts)
    {
        var window = facts.Options.RegressionWindow;
        var suspect = facts.Deploys.FirstOrDefault(d => d.DeployedAt <= facts.AlertTime && facts.AlertTime - d.DeployedAt <= window);
        if (suspect is not null)
        {
            return ConfigErrorsSince(facts, suspect) is { Count: > 0 } config
                ? BadConfigHypothesis(facts, suspect, config, ThinEvidence(facts))
                : AlertRegression(facts, suspect);
        }

        if (FaultSignatures.ConfigErrors(facts.Context) is { Count: > 0 } configErrors)
        {
            return BadConfigHypothesis(facts, null, configErrors, ThinEvidence(facts));
        }

        if (facts.Saturation.Count > 0 || facts.MemoryKills.Count > 0 || facts.Triage.ErrorType == "saturation")
        {
            return CapacityHypothesis(facts);
        }

        return KnownIssueHypothesis(facts) ?? AlertUnknown(facts);
    }

    /// <summary>A certificate or disk fault the evidence names outright, else null.</summary>
    private static Hypothesis? SelfNamedFault(Facts facts)
    {
        var alertText = FaultSignatures.AlertText(facts);
        foreach (var (category, findings, what) in new[]
        {
            (HypothesisCategories.Certificate, FaultSignatures.CertificateErrors(facts.Context, alertText), "a TLS certificate expired or is not trusted"),
            (HypothesisCategories.Disk, FaultSignatures.DiskErrors(facts.Context, alertText), "a disk or volume is full"),
        })
        {
            if (findings.Count == 0)
            {
                continue;
            }

            List<Evidence> evidence = [.. findings.Take(3).Select(f => f.Evidence with { ObservedAt = f.Evidence.ObservedAt ?? facts.AlertTime })];
            evidence.AddRange(facts.OwnSeries.Where(s => s.Step is { Direction: "up" }).Take(2).Select(StepEvidence));
            if (!facts.Measured)
            {
                evidence.Add(ThinEvidence(facts));
            }

            return new Hypothesis
            {
                Category = category,
                Summary = $"{facts.Service}: {what}; {findings[0].Evidence.Description}",
                Confidence = findings.Any(f => f.FirstSeen is not null) ? 0.8 : 0.7,
                ErrorsObserved = facts.ErrorsObserved,
                Evidence = evidence,
            };
        }

        return null;
    }

    /// <summary>Configuration errors first seen at or after <paramref name="deploy"/> (within a minute's tolerance).</summary>
    private static List<FaultSignatures.Finding> ConfigErrorsSince(Facts facts, DeployRecord deploy) =>
        FaultSignatures.ConfigErrors(facts.Context)
            .Where(f => f.FirstSeen is { } seen && seen >= deploy.DeployedAt - MetricSeries.MinimumTimingTolerance)
            .ToList();

    private static Hypothesis BadConfigHypothesis(Facts facts, DeployRecord? suspect, IReadOnlyList<FaultSignatures.Finding> config, Evidence? more)
    {
        List<Evidence> evidence = [];
        if (suspect is not null)
        {
            evidence.Add(DeployEvidence(suspect, facts));
        }

        evidence.AddRange(config.Take(3).Select(f => f.Evidence));
        if (more is not null)
        {
            evidence.Add(more);
        }

        var first = config[0].Evidence.Description;
        return new Hypothesis
        {
            Category = HypothesisCategories.BadConfig,
            Summary = suspect is not null
                ? $"Bad configuration shipped by deploy {suspect.Version} of {facts.Service} at {Describe.Time(suspect.DeployedAt)}: {first}"
                : $"Bad configuration of {facts.Service} with no deploy to blame: {first}",
            Confidence = suspect is not null ? 0.8 : 0.6,
            SuspectVersion = suspect?.Version,
            LastGoodVersion = suspect is not null ? LastGoodVersion(suspect, facts.Deploys) : null,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis MeasuredRegression(Facts facts, DeployRecord suspect, MetricSeries trigger)
    {
        var step = trigger.Step!;
        var lag = step.Began - suspect.DeployedAt;
        var timing = 1 - Math.Clamp(lag / facts.Options.RegressionLag, 0, 1);
        var confidence = Math.Round(0.6 + (0.2 * Math.Min(1, step.EffectSize / 10)) + (0.15 * timing), 2);
        List<Evidence> evidence = [DeployEvidence(suspect, facts), StepEvidence(trigger)];
        evidence.AddRange(facts.OwnSeries.Where(s => s != trigger && s.Step is { Direction: "up" }).Select(StepEvidence));
        evidence.AddRange(facts.Context.WorkloadEvents.Where(e => e.LastSeen >= suspect.DeployedAt).Take(3).Select(WorkloadEvidence));
        evidence.AddRange(facts.Context.LogPatterns.Where(p => p.FirstSeen >= suspect.DeployedAt).Take(2).Select(LogEvidence));
        return new Hypothesis
        {
            Category = Regression,
            Summary = $"Regression introduced by deploy {suspect.Version} of {facts.Service}: its {Describe.Step(trigger)}, "
                + $"{Describe.Minutes(lag.Duration())} {(lag >= TimeSpan.Zero ? "after" : "around")} the deploy at {Describe.Time(suspect.DeployedAt)}",
            Confidence = Math.Min(0.95, confidence),
            SuspectVersion = suspect.Version,
            LastGoodVersion = LastGoodVersion(suspect, facts.Deploys),
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis AlertRegression(Facts facts, DeployRecord suspect)
    {
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
            LastGoodVersion = LastGoodVersion(suspect, facts.Deploys),
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = [DeployEvidence(suspect, facts), .. facts.Anomalous.Select(MetricEvidence), ThinEvidence(facts)],
        };
    }

    private static Hypothesis DependencyHypothesis(Facts facts, MetricSeries dependency)
    {
        var own = facts.Degradation;
        var followed = own is not null
            ? $", {Describe.Minutes((own.Step!.Began - dependency.Step!.Began).Duration())} before {facts.Service}'s {Describe.Step(own)}"
            : $"; {facts.Service}'s own error ratio and latency did not step";
        List<Evidence> evidence = [StepEvidence(dependency)];
        if (own is not null)
        {
            evidence.Add(StepEvidence(own));
        }

        return new Hypothesis
        {
            Category = Dependency,
            Summary = $"{dependency.Service}, which {facts.Service} depends on, degraded first: its {Describe.Step(dependency)}{followed}",
            Confidence = own is not null ? 0.75 : 0.6,
            Dependency = dependency.Service,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis CapacityHypothesis(Facts facts)
    {
        List<Evidence> evidence = [];
        string reading;
        if (facts.SaturationStep is { } step)
        {
            evidence.Add(StepEvidence(step));
            reading = $" (its {Describe.Step(step)})";
        }
        else if (facts.Saturation.Count > 0)
        {
            evidence.AddRange(facts.Saturation.Select(MetricEvidence));
            reading = $" ({string.Join(", ", facts.Saturation.Select(Describe.Metric))})";
        }
        else if (facts.MemoryKills.Count > 0)
        {
            reading = $" ({facts.MemoryKills.Sum(e => e.Count)} containers OOMKilled)";
        }
        else
        {
            evidence.Add(AlertEvidence(facts, $"Triage classified the alert as saturation: {facts.Triage.Summary}"));
            reading = "";
        }

        evidence.AddRange(facts.MemoryKills.Take(3).Select(WorkloadEvidence));
        evidence.AddRange(facts.Anomalous.Except(facts.Saturation).Select(MetricEvidence));
        if (!facts.Measured)
        {
            evidence.Add(ThinEvidence(facts));
        }

        var window = facts.Measured ? facts.Options.RegressionLag : facts.Options.RegressionWindow;
        return new Hypothesis
        {
            Category = Capacity,
            Summary = $"{facts.Service} is running out of capacity{reading}; no deploy in the {Describe.Minutes(window)} before explains it",
            Confidence = facts.SaturationStep is not null ? 0.75 : facts.Measured ? 0.65 : 0.7,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis? KnownIssueHypothesis(Facts facts)
    {
        var past = facts.Context.PastIncidents
            .Where(p => p.Action is not null && p.Similarity >= facts.Options.KnownIssueSimilarity)
            .MaxBy(p => p.Similarity);
        if (past is null)
        {
            return null;
        }

        List<Evidence> evidence = [HistoryEvidence(past), .. facts.Anomalous.Select(MetricEvidence)];
        if (!facts.Measured)
        {
            evidence.Add(ThinEvidence(facts));
        }

        return new Hypothesis
        {
            Category = KnownIssue,
            Summary = $"Looks like {past.Source} incident {past.Id} \"{past.Title}\" ({Describe.Percent(past.Similarity)} alike), "
                + $"resolved{(past.ResolvedAt is { } at ? $" on {Describe.Time(at)}" : "")} by the runbook action {past.Action}",
            Confidence = Math.Round(Math.Min(0.85, 0.55 + (0.3 * past.Similarity)), 2),
            KnownAction = past.Action,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis MeasuredUnknown(Facts facts)
    {
        List<Evidence> evidence = [AlertEvidence(facts, $"Alert: {facts.Triage.Summary}")];
        evidence.AddRange(facts.OwnSeries.Where(s => s.Step is null).Take(3).Select(FlatEvidence));
        evidence.AddRange(facts.OwnSeries.Where(s => s.Step is { Direction: "up" }).Select(StepEvidence));
        foreach (var deploy in facts.Deploys.Take(3))
        {
            var degraded = facts.DegradedAt;
            var why = degraded is { } at && deploy.DeployedAt > at + MetricSeries.MinimumTimingTolerance
                ? $"came {Describe.Minutes(deploy.DeployedAt - at)} after the service had already degraded: not the cause"
                : $"was not followed by a step in the measured series";
            evidence.Add(new Evidence { Kind = "deploy", Description = $"Deploy {deploy.Version} at {Describe.Time(deploy.DeployedAt)} {why}", ObservedAt = deploy.DeployedAt, Source = deploy.Source });
        }

        var errors = facts.ErrorRate is { } rate ? $" (error rate {Describe.Percent(rate)})" : "";
        return new Hypothesis
        {
            Category = Unknown,
            Summary = $"The measured telemetry of {facts.Service} explains the {facts.Triage.ErrorType} alert by no deploy, dependency or saturation{errors}",
            Confidence = 0.2,
            ErrorsObserved = facts.ErrorsObserved,
            Evidence = evidence,
        };
    }

    private static Hypothesis AlertUnknown(Facts facts)
    {
        List<Evidence> evidence = [AlertEvidence(facts, $"Alert: {facts.Triage.Summary}"), .. facts.Anomalous.Select(MetricEvidence)];
        var window = facts.Options.RegressionWindow;
        if (facts.Deploys.FirstOrDefault() is { } latest)
        {
            var when = latest.DeployedAt > facts.AlertTime
                ? $"{Describe.Minutes(latest.DeployedAt - facts.AlertTime)} after the alert"
                : $"{Describe.Minutes(facts.AlertTime - latest.DeployedAt)} before the alert, outside the {Describe.Minutes(window)} regression window";
            evidence.Add(new Evidence { Kind = "deploy", Description = $"Latest deploy {latest.Version} was {when}", ObservedAt = latest.DeployedAt, Source = latest.Source });
        }

        evidence.Add(ThinEvidence(facts));
        var errors = facts.ErrorRate is { } rate ? $" (error rate {Describe.Percent(rate)})" : "";
        return new Hypothesis
        {
            Category = Unknown,
            Summary = $"No deploy of {facts.Service} in the {Describe.Minutes(window)} before the alert "
                + $"and no saturation explains the {facts.Triage.ErrorType} alert{errors}",
            Confidence = facts.Context.Profile is { FromDefaultEntry: true } ? 0.1 : 0.2,
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
        var relative = deploy.DeployedAt <= facts.AlertTime
            ? $"{Describe.Minutes(facts.AlertTime - deploy.DeployedAt)} before the alert"
            : $"{Describe.Minutes(deploy.DeployedAt - facts.AlertTime)} after the alert";
        return new Evidence
        {
            Kind = "deploy",
            Description = $"Deploy of {deploy.Service} {deploy.Version}{from}{to}{by} at {Describe.Time(deploy.DeployedAt)}, {relative}",
            ObservedAt = deploy.DeployedAt,
            Source = deploy.Source,
        };
    }

    private static Evidence StepEvidence(MetricSeries series) => new()
    {
        Kind = "metric",
        Description = $"{series.Service}: {Describe.Step(series)}",
        ObservedAt = series.Step!.Began,
        Source = series.Source,
        Query = series.Query,
    };

    private static Evidence FlatEvidence(MetricSeries series) => new()
    {
        Kind = "metric",
        Description = $"{series.Service}: {Describe.Level(series)}",
        ObservedAt = series.To,
        Source = series.Source,
        Query = series.Query,
    };

    private static Evidence MetricEvidence(MetricObservation metric)
    {
        var baseline = metric.Baseline is { } b ? $", baseline {Describe.Value(metric with { Value = b })}" : "";
        return new Evidence
        {
            Kind = "metric",
            Description = $"{Describe.Metric(metric)} is anomalous{baseline} (from {metric.Source})",
            ObservedAt = metric.ObservedAt,
            Source = metric.Source,
        };
    }

    private static Evidence WorkloadEvidence(WorkloadEvent e) => new()
    {
        Kind = "workload",
        Description = $"{e.Object}: {e.Reason} ×{e.Count} between {Describe.Time(e.FirstSeen)} and {Describe.Time(e.LastSeen)}{(e.Message is { } m ? $" ({m})" : "")}",
        ObservedAt = e.LastSeen,
        Source = e.Source,
        Query = e.Query,
    };

    private static Evidence LogEvidence(LogPattern p) => new()
    {
        Kind = "log",
        Description = $"{p.Count} log lines like \"{p.Pattern}\" since {Describe.Time(p.FirstSeen)}",
        ObservedAt = p.FirstSeen,
        Source = p.Source,
        Query = p.Query,
    };

    private static Evidence HistoryEvidence(PastIncident p) => new()
    {
        Kind = "history",
        Description = $"Past incident {p.Id} \"{p.Title}\" of {Describe.Time(p.CreatedAt)}, {Describe.Percent(p.Similarity)} alike, resolved by {p.Action}"
            + (p.Resolution is { } r ? $": {r}" : ""),
        Source = p.Source,
        Query = p.Query,
    };

    private static Evidence ThinEvidence(Facts facts)
    {
        var profile = facts.Context.Profile;
        var why = profile is { FromDefaultEntry: true } ? $"the service catalog does not list {facts.Service}" : "no metrics source answered";
        var failed = facts.Context.SourceFailures.Count > 0
            ? $"; failed: {string.Join(", ", facts.Context.SourceFailures.Select(f => f.Source).Distinct())}"
            : "";
        return AlertEvidence(facts, $"Evidence is thin: no telemetry measured {facts.Service} ({why}{failed}); this rests on the alert's own readings and the deploy timing");
    }

    private static Evidence AlertEvidence(Facts facts, string description) =>
        new() { Kind = "alert", Description = description, ObservedAt = facts.AlertTime };
}

using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Triage;

namespace Agents.Investigation.Brain;

/// <summary>What the investigation rules look at, read once from the command.</summary>
internal sealed record Facts(
    TriageResult Triage,
    string Service,
    DateTimeOffset AlertTime,
    InvestigationOptions Options,
    IncidentContext Context,
    IReadOnlyList<DeployRecord> Deploys,
    double? ErrorRate,
    MetricObservation? ErrorReading,
    bool ErrorsObserved,
    IReadOnlyList<MetricObservation> Anomalous,
    IReadOnlyList<MetricObservation> Saturation,
    IReadOnlyList<MetricSeries> OwnSeries,
    MetricSeries? Degradation,
    IReadOnlyList<MetricSeries> OwnSteps,
    MetricSeries? SaturationStep,
    IReadOnlyList<MetricSeries> DependencySteps,
    IReadOnlyList<WorkloadEvent> MemoryKills)
{
    /// <summary>True when a telemetry source measured the service itself (not only the alert's own readings).</summary>
    public bool Measured => OwnSeries.Count > 0;

    /// <summary>When the service's error ratio or latency stepped up; null when it did not.</summary>
    public DateTimeOffset? DegradedAt => Degradation?.Step?.Began;

    public static Facts From(InvestigateIncident command, InvestigationOptions options)
    {
        var triage = command.Triage;
        var context = command.Context;
        var deploys = context.RecentDeploys
            .Where(d => string.Equals(d.Service, triage.Service, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(d => d.DeployedAt)
            .ToList();
        var errorReading = context.Metrics.Where(m => m.Name == "error_rate").MaxBy(m => m.Value);
        var anomalous = context.Metrics.Where(m => m.Anomalous).ToList();
        var own = context.Series.Where(s => string.Equals(s.Service, triage.Service, StringComparison.OrdinalIgnoreCase)).ToList();
        var degradation = own
            .Where(s => s.Signal is MetricSignals.ErrorRatio or MetricSignals.LatencyP99 && s.Step is { Direction: "up" })
            .OrderBy(s => s.Step!.Began)
            .ThenByDescending(s => s.Step!.EffectSize)
            .FirstOrDefault();
        // Error ratio and latency steps first (by time), then saturation: the candidates a deploy may be blamed for.
        var ownSteps = own
            .Where(s => s.Signal is MetricSignals.ErrorRatio or MetricSignals.LatencyP99 && s.Step is { Direction: "up" })
            .OrderBy(s => s.Step!.Began)
            .Concat(own.Where(s => s.Signal == MetricSignals.Saturation && s.Step is { Direction: "up" }).OrderBy(s => s.Step!.Began))
            .ToList();
        var saturationStep = own
            .Where(s => s.Signal == MetricSignals.Saturation && s.Step is { Direction: "up" })
            .OrderBy(s => s.Step!.Began)
            .FirstOrDefault();
        var dependencies = context.Profile?.DependsOn ?? [];
        var dependencySteps = context.Series
            .Where(s => !string.Equals(s.Service, triage.Service, StringComparison.OrdinalIgnoreCase)
                && dependencies.Contains(s.Service, StringComparer.OrdinalIgnoreCase)
                && s.Signal is MetricSignals.ErrorRatio or MetricSignals.LatencyP99
                && s.Step is { Direction: "up" })
            .OrderBy(s => s.Step!.Began)
            .ToList();

        return new Facts(
            triage,
            triage.Service,
            triage.OccurredAt,
            options,
            context,
            deploys,
            errorReading?.Value,
            errorReading,
            errorReading?.Value >= RuleBasedInvestigationBrain.ErrorRateObserved || triage.ErrorType == "error-rate",
            anomalous,
            anomalous.Where(m => m.Name is "cpu" or "memory" or "saturation").ToList(),
            own,
            degradation,
            ownSteps,
            saturationStep,
            dependencySteps,
            context.WorkloadEvents.Where(e => e.Reason == "OOMKilled").ToList());
    }
}

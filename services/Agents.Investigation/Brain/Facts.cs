using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Triage;

namespace Agents.Investigation.Brain;

/// <summary>What the investigation rules look at, read once from the command.</summary>
internal sealed record Facts(
    TriageResult Triage,
    string Service,
    DateTimeOffset AlertTime,
    TimeSpan RegressionWindow,
    IReadOnlyList<DeployRecord> Deploys,
    DeployRecord? Suspect,
    double? ErrorRate,
    bool ErrorsObserved,
    IReadOnlyList<MetricObservation> Anomalous,
    IReadOnlyList<MetricObservation> Saturation)
{
    public static Facts From(InvestigateIncident command, TimeSpan regressionWindow)
    {
        var triage = command.Triage;
        var context = command.Context;
        var alertTime = triage.OccurredAt;
        var deploys = context.RecentDeploys
            .Where(d => string.Equals(d.Service, triage.Service, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(d => d.DeployedAt)
            .ToList();
        var suspect = deploys.FirstOrDefault(d => d.DeployedAt <= alertTime && alertTime - d.DeployedAt <= regressionWindow);
        var errorRate = context.Metrics.Where(m => m.Name == "error_rate").Select(m => (double?)m.Value).Max();
        var anomalous = context.Metrics.Where(m => m.Anomalous).ToList();

        return new Facts(
            triage,
            triage.Service,
            alertTime,
            regressionWindow,
            deploys,
            suspect,
            errorRate,
            errorRate >= RuleBasedInvestigationBrain.ErrorRateObserved || triage.ErrorType == "error-rate",
            anomalous,
            anomalous.Where(m => m.Name is "cpu" or "memory").ToList());
    }
}

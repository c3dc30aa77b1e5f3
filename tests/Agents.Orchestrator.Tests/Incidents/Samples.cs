using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>Consistent agent outputs for one incident on auth-service.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset AlertTime = new(2026, 11, 24, 2, 13, 0, TimeSpan.Zero);

    public static AlertPayload Alert(string fingerprint = "fp-auth-errors") => new()
    {
        Format = "generic",
        Source = "test",
        Fingerprint = fingerprint,
        Summary = "auth-service error rate above 20%",
        Service = "auth-service",
        Severity = "critical",
        OccurredAt = AlertTime,
    };

    public static TriageResult Triage(string severity = "critical", string service = "auth-service") => new()
    {
        Severity = severity,
        Service = service,
        ErrorType = "error-rate",
        OccurredAt = AlertTime,
        Summary = $"[{severity}] {service}: error rate above 20%",
        Rationale = "severity stated by the alert",
    };

    public static IncidentContext Context(double errorRate = 0.23) => new()
    {
        Service = "auth-service",
        WindowStart = AlertTime.AddHours(-2),
        WindowEnd = AlertTime.AddMinutes(15),
        RecentDeploys =
        [
            new DeployRecord { Service = "auth-service", Version = "v7.4.2", PreviousVersion = "v7.4.1", DeployedAt = AlertTime.AddMinutes(-12) },
        ],
        Metrics =
        [
            new MetricObservation
            {
                Name = "error_rate", Value = errorRate, Unit = "ratio", ObservedAt = AlertTime, Anomalous = errorRate >= 0.05, Source = "alert",
            },
        ],
        Sources = ["alert", "deploy-log"],
    };

    public static Hypothesis Hypothesis(bool errorsObserved = true, double confidence = 0.9) => new()
    {
        Category = "regression",
        Summary = "Regression introduced by deploy v7.4.2 of auth-service",
        Confidence = confidence,
        Evidence = [new Evidence { Kind = "deploy", Description = "v7.4.2 deployed 12 minutes before", ObservedAt = AlertTime.AddMinutes(-12) }],
        SuspectVersion = "v7.4.2",
        LastGoodVersion = "v7.4.1",
        ErrorsObserved = errorsObserved,
    };

    public static RemediationResult Remediation() => new()
    {
        ActionId = "rollback",
        Description = "Roll back to the last good version",
        Parameters = new Dictionary<string, string> { ["service"] = "auth-service", ["to_version"] = "v7.4.1" },
        DryRun = true,
        Steps = ["would: roll back auth-service to v7.4.1"],
        Outcome = "dry-run: 1 steps recorded, nothing executed",
        Rationale = "regression with a known last good version",
    };

    public static NotificationRecord Notification(string kind) => new()
    {
        Kind = kind,
        Priority = NotificationKinds.PagesHuman(kind) ? "page" : "normal",
        Channels = ["log", "local-sink"],
        Title = "auth-service incident",
        Summary = "summary",
        SentAt = AlertTime.AddMinutes(1),
    };
}

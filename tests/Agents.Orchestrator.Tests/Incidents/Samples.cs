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

    /// <summary>A dry run (mode dry-run, or a result from before execution existed): nothing executed, a human must act.</summary>
    public static RemediationResult Remediation(string service = "auth-service") => new()
    {
        ActionId = "rollback",
        Description = "Roll back to the last good version",
        Parameters = new Dictionary<string, string> { ["service"] = service, ["to_version"] = "v7.4.1" },
        DryRun = true,
        Steps = [$"would: roll back {service} to v7.4.1"],
        Outcome = "dry-run: 1 steps recorded, nothing executed",
        Rationale = "regression with a known last good version",
    };

    /// <summary>The error ratio of the service back under 1% for 5 minutes, checked every 30 seconds, within 10 minutes.</summary>
    public static readonly RemediationVerification ErrorRatio = new()
    {
        Query = "sum(rate(http_requests_total{service=\"auth-service\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"auth-service\"}[1m]))",
        Below = 0.01,
        For = TimeSpan.FromMinutes(5),
        Within = TimeSpan.FromMinutes(10),
        Every = TimeSpan.FromSeconds(30),
    };

    /// <summary>The rollback executed on the real system (mode auto), to be verified by <paramref name="verification"/> (default <see cref="ErrorRatio"/>).</summary>
    public static RemediationResult Executed(RemediationVerification? verification = null, string service = "auth-service") => Remediation(service) with
    {
        DryRun = false,
        Execution = RemediationExecutions.Executed,
        Mode = RemediationModes.Auto,
        Target = $"kubernetes prod/{service} deployment/{service}",
        Steps = [$"rolled back deployment/{service} in prod to revision 3 (image {service}:v7.4.1)"],
        Outcome = "executed: 1 of 1 steps succeeded",
        Verification = verification ?? ErrorRatio,
        ExecutedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>A control refused to act (the result names it); nothing was executed.</summary>
    public static RemediationResult Blocked(string refusal = "cooldown: deployment/auth-service was rolled back 3m ago (cooldown 5m)") => Remediation() with
    {
        Execution = RemediationExecutions.Blocked,
        Mode = RemediationModes.Auto,
        Target = "kubernetes prod/auth-service deployment/auth-service",
        Outcome = $"not executed: {refusal}",
    };

    /// <summary>What the approver may change: the version to one of two, and the replicas within 1..10.</summary>
    public static IReadOnlyList<ParameterChoice> Choices { get; } =
    [
        new ParameterChoice { Name = "to_version", Type = "version", Values = ["v7.4.1", "v7.4.0"] },
        new ParameterChoice { Name = "replicas_added", Type = "integer", Min = 1, Max = 10 },
    ];

    /// <summary>A plan put to a human (mode approve): nothing executed, the approver may change what <see cref="Choices"/> allows.</summary>
    public static RemediationResult Proposal(string service = "auth-service", TimeSpan? timeout = null) => Remediation(service) with
    {
        Parameters = new Dictionary<string, string> { ["service"] = service, ["to_version"] = "v7.4.1", ["replicas_added"] = "2" },
        Execution = RemediationExecutions.ApprovalRequired,
        Mode = RemediationModes.Approve,
        Target = $"kubernetes prod/{service} deployment/{service}",
        Outcome = "approval required: nothing executed",
        Proposal = new RemediationProposal { Choices = Choices, Timeout = timeout ?? TimeSpan.FromMinutes(15) },
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

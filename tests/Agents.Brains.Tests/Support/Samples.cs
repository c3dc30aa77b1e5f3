using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;

namespace Agents.Brains.Tests.Support;

/// <summary>The incident the tests share: auth-service's error rate spiking 10 minutes after deploy v7.4.2.</summary>
public static class Samples
{
    public const string Service = "auth-service";

    public static readonly Guid IncidentId = Guid.Parse("6f1c1d2e-0000-4000-8000-000000000001");

    public static readonly DateTimeOffset AlertTime = new(2026, 11, 24, 2, 13, 0, TimeSpan.Zero);

    public static AlertPayload Alert(
        string? severity = "critical",
        string? service = Service,
        string summary = "auth-service 5xx error rate is 23%",
        Dictionary<string, string>? labels = null,
        Dictionary<string, string>? annotations = null) => new()
        {
            Format = "alertmanager",
            Source = "agents",
            Fingerprint = "a3f1c2d4e5b60718",
            Summary = summary,
            Service = service,
            Severity = severity,
            OccurredAt = AlertTime,
            Labels = labels ?? new Dictionary<string, string> { ["alertname"] = "HighErrorRate" },
            Annotations = annotations ?? new Dictionary<string, string>(),
        };

    public static TriageResult Triage(string errorType = "error-rate", string severity = "critical") => new()
    {
        Severity = severity,
        Service = Service,
        ErrorType = errorType,
        OccurredAt = AlertTime,
        Summary = $"[{severity}] {Service}: auth-service 5xx error rate is 23%",
        Rationale = "test",
    };

    public static CollectIncidentContext Collect(AlertPayload? alert = null) => new()
    {
        IncidentId = IncidentId,
        Attempt = 1,
        Alert = alert ?? Alert(),
        Triage = Triage(),
    };

    public static DeployRecord Deploy(string version, int minutesBeforeAlert, string? previous = null, string service = Service) => new()
    {
        Service = service,
        Version = version,
        PreviousVersion = previous,
        DeployedAt = AlertTime.AddMinutes(-minutesBeforeAlert),
        Environment = "production",
        Author = "ci-pipeline",
    };

    public static MetricObservation Metric(string name, double value, bool anomalous, string unit = "ratio") => new()
    {
        Name = name,
        Value = value,
        Unit = unit,
        ObservedAt = AlertTime,
        Anomalous = anomalous,
        Source = "alert",
    };

    public static IncidentContext Context(IReadOnlyList<DeployRecord>? deploys = null, IReadOnlyList<MetricObservation>? metrics = null) => new()
    {
        Service = Service,
        WindowStart = AlertTime.AddHours(-2),
        WindowEnd = AlertTime.AddMinutes(15),
        RecentDeploys = deploys ?? [],
        Metrics = metrics ?? [],
        Sources = ["alert", "deploy-log"],
    };

    public static InvestigateIncident Investigate(
        IncidentContext context,
        string errorType = "error-rate",
        string? previousFailure = null) => new()
        {
            IncidentId = IncidentId,
            Attempt = previousFailure is null ? 1 : 2,
            Triage = Triage(errorType),
            Context = context,
            PreviousFailure = previousFailure,
        };

    public static Hypothesis Regression(string suspect = "v7.4.2", string? lastGood = "v7.4.1") => new()
    {
        Category = "regression",
        Summary = "Regression introduced by deploy v7.4.2 of auth-service 10 minutes before the alert (error rate 23%)",
        Confidence = 0.9,
        SuspectVersion = suspect,
        LastGoodVersion = lastGood,
        ErrorsObserved = true,
        Evidence = [new Evidence { Kind = "deploy", Description = "Deploy of auth-service v7.4.2", ObservedAt = AlertTime.AddMinutes(-10) }],
    };

    public static Hypothesis Capacity() => new()
    {
        Category = "capacity",
        Summary = "auth-service is running out of capacity (CPU 93%)",
        Confidence = 0.7,
        ErrorsObserved = false,
        Evidence = [new Evidence { Kind = "metric", Description = "CPU 93% is anomalous", ObservedAt = AlertTime }],
    };

    public static RemediateIncident Remediate(Hypothesis? hypothesis = null, IReadOnlyList<DeployRecord>? deploys = null) => new()
    {
        IncidentId = IncidentId,
        Attempt = 1,
        Service = Service,
        Hypothesis = hypothesis ?? Regression(),
        Context = Context(deploys ?? [Deploy("v7.4.2", 10, previous: "v7.4.1"), Deploy("v7.4.1", 90, previous: "v7.4.0")]),
    };

    /// <summary>What a context source is asked about <paramref name="command"/>: the built-in catalog's entry for its service, the default window and bounds.</summary>
    public static Agents.Context.Sources.ContextRequest Request(CollectIncidentContext? command = null, Agents.Context.Sources.ContextWindow? window = null)
    {
        command ??= Collect();
        return new Agents.Context.Sources.ContextRequest
        {
            Command = command,
            Service = Agents.Hosting.Catalog.ServiceCatalog.BuiltIn.Resolve(command.Triage.Service),
            Window = window ?? Agents.Context.Sources.ContextWindow.Around(command.Triage.OccurredAt, new Agents.Context.Sources.ContextOptions()),
            Bounds = new Agents.Context.Sources.ContextBounds(),
        };
    }
}

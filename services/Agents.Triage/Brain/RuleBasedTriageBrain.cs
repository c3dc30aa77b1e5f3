using Agents.Contracts.Alerts;
using Agents.Contracts.Triage;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;

namespace Agents.Triage.Brain;

/// <summary>
/// Classifies a raw alert with fixed rules: severity from the producer's wording (<see cref="SeverityClassifier"/>),
/// the service from the service catalog or the alert's labels (<see cref="ServiceResolver"/>), the error type from keywords
/// (<see cref="ErrorTypeClassifier"/>). An alert naming no service cannot be triaged: that is a failure outcome.
/// </summary>
public sealed class RuleBasedTriageBrain(ServiceCatalog catalog) : IAgentBrain<TriageIncident, TriageResult>
{
    /// <summary>Labels consulted for the severity when the alert's own severity field is empty.</summary>
    private static readonly string[] SeverityLabels = ["severity", "priority"];

    public string Kind => "rules";

    public Task<AgentOutcome<TriageResult>> DecideAsync(TriageIncident command, CancellationToken cancellationToken) =>
        Task.FromResult(Decide(command.Alert, catalog));

    /// <summary>Triage with the built-in catalog (no services listed: the service comes from the alert's labels).</summary>
    public static AgentOutcome<TriageResult> Decide(AlertPayload alert) => Decide(alert, ServiceCatalog.BuiltIn);

    public static AgentOutcome<TriageResult> Decide(AlertPayload alert, ServiceCatalog catalog)
    {
        if (ServiceResolver.Resolve(alert, catalog) is not { } found)
        {
            return AgentOutcome<TriageResult>.Failure(
                "no service could be identified: the alert has no service field and none of the labels "
                + string.Join(", ", ServiceResolver.FallbackLabels));
        }

        var (service, serviceFrom, catalogMatch) = found;
        var (rawSeverity, severityFrom) = RawSeverity(alert);
        var (severity, recognised) = SeverityClassifier.Classify(rawSeverity);
        var (errorType, keyword, keywordWhere) = ErrorTypeClassifier.Classify(alert);

        var severityReason = rawSeverity is null
            ? $"Severity {severity} because the alert states no severity (assumed {severity})"
            : recognised
                ? $"Severity {severity} because {severityFrom} \"{rawSeverity.Trim()}\" maps to {severity}"
                : $"Severity {severity} because {severityFrom} \"{rawSeverity.Trim()}\" is not a known severity (assumed {severity})";
        var typeReason = keyword is null
            ? $"error type {errorType} because no error, latency, saturation or availability keyword appears in the alert"
            : $"error type {errorType} because of \"{keyword}\" in {keywordWhere}";

        return AgentOutcome<TriageResult>.Success(new TriageResult
        {
            Severity = severity,
            Service = service,
            CatalogMatch = catalogMatch,
            ErrorType = errorType,
            OccurredAt = alert.OccurredAt,
            Summary = $"[{severity}] {service}: {OneLine(alert.Summary)}",
            Rationale = $"{severityReason}; {typeReason}; service {service} from {serviceFrom}.",
        });
    }

    private static (string? Raw, string From) RawSeverity(AlertPayload alert)
    {
        if (!string.IsNullOrWhiteSpace(alert.Severity))
        {
            return (alert.Severity, "the alert's severity");
        }

        foreach (var label in SeverityLabels)
        {
            if (LabelLookup.Find(alert.Labels, label) is { } value)
            {
                return (value, $"the label '{label}'");
            }
        }

        return (null, "nothing");
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

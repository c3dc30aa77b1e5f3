using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// The generic alert format: <c>source</c>, <c>service</c>, <c>summary</c> and <c>timestamp</c> required; optional
/// <c>severity</c>, <c>labels</c>, <c>annotations</c>, <c>fingerprint</c>, <c>status</c> (firing, resolved or
/// acknowledged) and <c>url</c>. Every
/// problem found is reported at once. Without a fingerprint one is computed by
/// <see cref="AlertFingerprints.Generic"/>.
/// </summary>
internal static class GenericAlert
{
    public const string What = "Generic alert";

    public static IReadOnlyList<string> RequiredFields { get; } = ["source", "service", "summary", "timestamp"];

    /// <summary>
    /// The statuses a generic alert may state (any case). Anything else is rejected rather than taken as a status
    /// report, so that a producer's <c>triggered</c> or <c>alerting</c> is not silently kept from opening an incident.
    /// </summary>
    public static IReadOnlyList<string> Statuses { get; } = [AlertStatuses.Firing, AlertStatuses.Resolved, AlertStatuses.Acknowledged];

    /// <summary>Whether the message looks like a generic alert: it has at least one of the required fields.</summary>
    public static bool Matches(JsonObject json) => RequiredFields.Any(json.ContainsKey);

    public static ParsedAlert Parse(JsonObject json)
    {
        var root = new JsonSection(json, "", What);
        var problems = new List<string>();
        var missing = new List<string>();

        string? Required(string name)
        {
            var before = problems.Count;
            var value = root.String(name, problems);
            if (value is null && problems.Count == before)
            {
                missing.Add(name);
            }

            return value;
        }

        var source = Required("source");
        var service = Required("service");
        var summary = Required("summary");

        var problemsBeforeTimestamp = problems.Count;
        var timestamp = root.Date("timestamp", problems);
        if (timestamp is null && problems.Count == problemsBeforeTimestamp)
        {
            missing.Add("timestamp");
        }

        var severity = root.Scalar("severity", problems);
        var fingerprint = root.Scalar("fingerprint", problems);
        var status = root.String("status", problems)?.ToLowerInvariant();
        if (status is not null && !Statuses.Contains(status))
        {
            problems.Add($"'status' must be one of {string.Join(", ", Statuses)}, found {AlertText.Quote(status)}");
        }

        var url = root.String("url", problems);
        var labels = root.Map("labels", problems);
        var annotations = root.Map("annotations", problems);

        if (missing.Count > 0)
        {
            problems.Insert(0, $"missing or empty required field(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} "
                + $"(required: {string.Join(", ", RequiredFields)})");
        }

        if (problems.Count > 0 || source is null || service is null || summary is null || timestamp is null)
        {
            throw root.Error(string.Join("; ", problems));
        }

        var alert = new AlertPayload
        {
            Format = AlertFormats.Generic,
            Source = source,
            Fingerprint = fingerprint ?? AlertFingerprints.Generic(source, service, summary, labels),
            Summary = summary,
            Service = service,
            Severity = severity,
            OccurredAt = timestamp.Value,
            Labels = labels,
            Annotations = annotations,
            Url = url,
        };
        return new ParsedAlert(alert, status ?? AlertStatuses.Firing);
    }
}

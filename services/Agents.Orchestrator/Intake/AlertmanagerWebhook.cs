using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// A Prometheus Alertmanager webhook (<c>version</c> "4"; Grafana's compatible "1" reads the same): one parsed
/// alert per element of <c>alerts</c>, each with its own status. Labels and annotations are the webhook's common
/// ones overlaid with the alert's own.
/// </summary>
internal static class AlertmanagerWebhook
{
    public const string What = "Alertmanager webhook";

    /// <summary>
    /// Labels naming the service, first present wins. <c>container</c> comes before <c>job</c> because
    /// kube-state-metrics alerts carry <c>job="kube-state-metrics"</c> and name the workload only in
    /// <c>container</c>; <c>namespace</c> is deliberately not used (it names an environment or team as often as a service).
    /// </summary>
    public static IReadOnlyList<string> ServiceLabels { get; } = ["service", "app", "application", "app_kubernetes_io_name", "container", "job"];

    /// <summary>Whether the message looks like an Alertmanager webhook: it has an <c>alerts</c> property.</summary>
    public static bool Matches(JsonObject json) => json.ContainsKey("alerts");

    public static IReadOnlyList<ParsedAlert> Parse(JsonObject json, DateTimeOffset receivedAt)
    {
        var root = new JsonSection(json, "", What);
        var alerts = root.Array("alerts")
            ?? throw root.Error("'alerts' must be an array of alerts, found null");
        if (alerts.Count == 0)
        {
            throw root.Error("'alerts' is empty: the webhook carries no alert");
        }

        var receiver = root.String("receiver");
        var groupStatus = root.String("status");
        var commonLabels = root.Map("commonLabels");
        var commonAnnotations = root.Map("commonAnnotations");
        var source = receiver is null ? AlertFormats.Alertmanager : $"{AlertFormats.Alertmanager}/{receiver}";

        var parsed = new List<ParsedAlert>(alerts.Count);
        for (var i = 0; i < alerts.Count; i++)
        {
            if (alerts[i] is not JsonObject element)
            {
                throw root.Error(JsonSection.WrongType($"alerts[{i}]", "an object", alerts[i]));
            }

            var alert = new JsonSection(element, $"alerts[{i}]", What);
            parsed.Add(ParseAlert(alert, source, groupStatus, commonLabels, commonAnnotations, receivedAt));
        }

        return parsed;
    }

    private static ParsedAlert ParseAlert(
        JsonSection alert,
        string source,
        string? groupStatus,
        IReadOnlyDictionary<string, string> commonLabels,
        IReadOnlyDictionary<string, string> commonAnnotations,
        DateTimeOffset receivedAt)
    {
        var labels = Overlay(commonLabels, alert.Map("labels"));
        var annotations = Overlay(commonAnnotations, alert.Map("annotations"));
        var status = alert.String("status") ?? groupStatus
            ?? throw alert.Error($"'{alert.PathOf("status")}' is missing and the webhook has no 'status' either");
        var summary = Value(annotations, "summary") ?? Value(annotations, "description") ?? Value(labels, "alertname")
            ?? throw alert.Error($"'{alert.Path}' has nothing to summarise it: expected annotation 'summary' or 'description', or label 'alertname'");

        var payload = new AlertPayload
        {
            Format = AlertFormats.Alertmanager,
            Source = source,
            Fingerprint = alert.String("fingerprint") ?? AlertFingerprints.FromLabels(labels),
            Summary = summary,
            Service = ServiceLabels.Select(name => Value(labels, name)).FirstOrDefault(v => v is not null),
            Severity = Value(labels, "severity"),
            OccurredAt = alert.Date("startsAt") ?? receivedAt,
            Labels = labels,
            Annotations = annotations,
            Url = alert.String("generatorURL"),
        };
        return new ParsedAlert(payload, status.ToLowerInvariant());
    }

    private static Dictionary<string, string> Overlay(IReadOnlyDictionary<string, string> common, Dictionary<string, string> own)
    {
        var merged = new Dictionary<string, string>(common, StringComparer.Ordinal);
        foreach (var (key, value) in own)
        {
            merged[key] = value;
        }

        return merged;
    }

    private static string? Value(IReadOnlyDictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) ? value : null;
}

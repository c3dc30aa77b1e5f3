using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// A PagerDuty v3 webhook: one <c>event</c> about one incident. <c>incident.triggered</c> is a firing alert; every
/// other incident event is a status report (<c>resolved</c>, <c>acknowledged</c>, or the part of the event type
/// after <c>incident.</c>). Most events carry the incident itself in <c>event.data</c>; notes, status updates and
/// responder requests carry a reference to it in <c>event.data.incident</c>. Fields that go into the alert's
/// identity, summary, service, severity, time and link must have the documented type; the details that only
/// decorate labels and annotations are read best effort.
/// </summary>
internal static class PagerDutyWebhook
{
    public const string What = "PagerDuty v3 webhook";

    private const string IncidentPrefix = "incident.";

    /// <summary>Whether the message looks like a PagerDuty v3 webhook: it has an <c>event</c> property.</summary>
    public static bool Matches(JsonObject json) => json.ContainsKey("event");

    public static ParsedAlert Parse(JsonObject json, DateTimeOffset receivedAt)
    {
        var root = new JsonSection(json, "", What);
        var incidentEvent = root.RequiredObject("event", "expected an object with 'event_type', 'resource_type' and 'data'");
        var eventType = incidentEvent.String("event_type")
            ?? throw incidentEvent.Error("'event.event_type' is missing (expected e.g. 'incident.triggered')");
        var resourceType = incidentEvent.String("resource_type");
        if (!IsAboutAnIncident(eventType, resourceType))
        {
            throw incidentEvent.Error(
                $"event {AlertText.Quote(eventType)} (resource_type {AlertText.Quote(resourceType ?? "none")}) is a PagerDuty event "
                + "that isn't about an incident; only incident.* events are accepted");
        }

        var status = StatusOf(eventType) ?? throw incidentEvent.Error($"'event.event_type' {AlertText.Quote(eventType)} names no incident action");
        var occurredAt = incidentEvent.Date("occurred_at");
        var data = incidentEvent.RequiredObject("data", "it holds the incident the event is about");
        var context = new EventContext(eventType, status, occurredAt, incidentEvent.ObjectOrNull("agent")?.TextOrNull("summary"), receivedAt);

        return data.Object("incident") is { } reference
            ? FromReference(context, data, reference)
            : FromIncident(context, data);
    }

    private static bool IsAboutAnIncident(string eventType, string? resourceType) =>
        resourceType is null
            ? eventType.StartsWith(IncidentPrefix, StringComparison.OrdinalIgnoreCase)
            : string.Equals(resourceType, "incident", StringComparison.OrdinalIgnoreCase);

    /// <summary>triggered → firing, resolved → resolved, anything else → the action after <c>incident.</c>, lower case.</summary>
    private static string? StatusOf(string eventType)
    {
        var lower = eventType.ToLowerInvariant();
        var action = lower.StartsWith(IncidentPrefix, StringComparison.Ordinal) ? lower[IncidentPrefix.Length..] : lower;
        return action switch
        {
            "" => null,
            "triggered" => AlertStatuses.Firing,
            _ => action,
        };
    }

    /// <summary>An event whose data is the incident (triggered, acknowledged, resolved, escalated, ...).</summary>
    private static ParsedAlert FromIncident(EventContext context, JsonSection incident)
    {
        var id = incident.String("id")
            ?? throw incident.Error("'event.data.id' is missing: the incident id is the alert's fingerprint");
        var number = incident.Scalar("number");
        var service = incident.Object("service");
        var serviceName = service?.String("summary");
        var priority = incident.Object("priority")?.String("summary");
        var urgency = incident.String("urgency");
        var summary = incident.String("title") ?? incident.String("summary")
            ?? $"PagerDuty incident {(number is null ? id : "#" + number)}";

        var labels = Collect(
            ("event_type", context.EventType),
            ("urgency", urgency),
            ("priority", priority),
            ("status", incident.TextOrNull("status")),
            ("incident_number", number),
            ("incident_key", incident.TextOrNull("incident_key")),
            ("service_id", service?.TextOrNull("id")),
            ("escalation_policy", incident.ObjectOrNull("escalation_policy")?.TextOrNull("summary")),
            ("teams", incident.SummariesOrNull("teams")),
            ("assignees", incident.SummariesOrNull("assignees")),
            ("agent", context.Agent));
        var bridge = incident.ObjectOrNull("conference_bridge");
        var annotations = Collect(
            ("conference_url", bridge?.TextOrNull("conference_url")),
            ("conference_number", bridge?.TextOrNull("conference_number")),
            ("resolve_reason", incident.TextOrNull("resolve_reason") ?? incident.ObjectOrNull("resolve_reason")?.TextOrNull("type")));

        var alert = new AlertPayload
        {
            Format = AlertFormats.PagerDuty,
            Source = serviceName is null ? AlertFormats.PagerDuty : $"{AlertFormats.PagerDuty}/{serviceName}",
            Fingerprint = id,
            ExternalId = id,
            Summary = summary,
            Service = serviceName,
            Severity = priority ?? urgency,
            OccurredAt = context.OccurredAt ?? incident.Date("created_at") ?? context.ReceivedAt,
            Labels = labels,
            Annotations = annotations,
            Url = incident.String("html_url"),
        };
        return new ParsedAlert(alert, context.Status);
    }

    /// <summary>An event whose data refers to the incident (a note, a status update, a responder request, ...).</summary>
    private static ParsedAlert FromReference(EventContext context, JsonSection data, JsonSection reference)
    {
        var id = reference.String("id")
            ?? throw reference.Error("'event.data.incident.id' is missing: the incident id is the alert's fingerprint");
        var labels = Collect(
            ("event_type", context.EventType),
            ("agent", context.Agent));
        var annotations = Collect(
            ("note", data.TextOrNull("content")),
            ("message", data.TextOrNull("message")));

        var alert = new AlertPayload
        {
            Format = AlertFormats.PagerDuty,
            Source = AlertFormats.PagerDuty,
            Fingerprint = id,
            ExternalId = id,
            Summary = reference.String("summary") ?? $"PagerDuty incident {id}",
            OccurredAt = context.OccurredAt ?? context.ReceivedAt,
            Labels = labels,
            Annotations = annotations,
            Url = reference.String("html_url"),
        };
        return new ParsedAlert(alert, context.Status);
    }

    private static Dictionary<string, string> Collect(params (string Key, string? Value)[] entries) =>
        entries
            .Where(e => e.Value is not null)
            .ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);

    private sealed record EventContext(string EventType, string Status, DateTimeOffset? OccurredAt, string? Agent, DateTimeOffset ReceivedAt);
}

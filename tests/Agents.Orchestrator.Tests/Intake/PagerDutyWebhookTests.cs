using System.Text.Json.Nodes;
using Agents.Orchestrator.Intake;
using static Agents.Orchestrator.Tests.Intake.IntakePayloads;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class PagerDutyWebhookTests
{
    [Fact]
    public void Triggered_incident_yields_one_firing_alert_keyed_by_the_incident_id()
    {
        var parsed = ParseSingle(Load("pagerduty-triggered.json"));
        var alert = parsed.Alert;

        Assert.Equal(AlertStatuses.Firing, parsed.Status);
        Assert.Equal("pagerduty", alert.Format);
        Assert.Equal("pagerduty/checkout-api", alert.Source);
        Assert.Equal("Q2KDMZ8X4T7VBN", alert.Fingerprint);
        Assert.Equal("Q2KDMZ8X4T7VBN", alert.ExternalId);
        Assert.Equal("checkout-api 5xx error rate above 5% for 10 minutes", alert.Summary);
        Assert.Equal("checkout-api", alert.Service);
        Assert.Equal("P1", alert.Severity);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 13, 41, 288, TimeSpan.Zero), alert.OccurredAt);
        Assert.Equal("https://acme.pagerduty.com/incidents/Q2KDMZ8X4T7VBN", alert.Url);
    }

    [Fact]
    public void Triggered_incident_labels_carry_the_pagerduty_details_people_read()
    {
        var alert = ParseSingle(Load("pagerduty-triggered.json")).Alert;

        Assert.Equal("incident.triggered", alert.Labels["event_type"]);
        Assert.Equal("high", alert.Labels["urgency"]);
        Assert.Equal("P1", alert.Labels["priority"]);
        Assert.Equal("triggered", alert.Labels["status"]);
        Assert.Equal("4182", alert.Labels["incident_number"]);
        Assert.Equal("checkout-api-5xx-rate", alert.Labels["incident_key"]);
        Assert.Equal("PK7QW2R", alert.Labels["service_id"]);
        Assert.Equal("Payments on-call", alert.Labels["escalation_policy"]);
        Assert.Equal("Payments", alert.Labels["teams"]);
        Assert.Equal("Amara Okafor", alert.Labels["assignees"]);
        Assert.Equal("https://meet.acme.example/payments-war-room", alert.Annotations["conference_url"]);
        Assert.False(alert.Annotations.ContainsKey("resolve_reason"));
    }

    [Fact]
    public void Acknowledged_incident_without_priority_falls_back_to_the_urgency_as_severity()
    {
        var parsed = ParseSingle(Load("pagerduty-acknowledged.json"));

        Assert.Equal(AlertStatuses.Acknowledged, parsed.Status);
        Assert.Equal("high", parsed.Alert.Severity);
        Assert.False(parsed.Alert.Labels.ContainsKey("priority"));
        Assert.Equal("Amara Okafor", parsed.Alert.Labels["agent"]);
        Assert.Empty(parsed.Alert.Annotations);
    }

    [Fact]
    public void Resolved_incident_is_a_resolved_status_for_the_fingerprint_it_was_triggered_with()
    {
        var triggered = ParseSingle(Load("pagerduty-triggered.json"));
        var resolved = ParseSingle(Load("pagerduty-resolved.json"));

        Assert.Equal(AlertStatuses.Resolved, resolved.Status);
        Assert.Equal(triggered.Alert.Fingerprint, resolved.Alert.Fingerprint);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 41, 27, 6, TimeSpan.Zero), resolved.Alert.OccurredAt);
        Assert.False(resolved.Alert.Labels.ContainsKey("assignees"));
    }

    [Theory]
    [InlineData("incident.escalated", "escalated")]
    [InlineData("incident.priority_updated", "priority_updated")]
    [InlineData("incident.unacknowledged", "unacknowledged")]
    [InlineData("incident.reopened", "reopened")]
    [InlineData("Incident.Resolved", "resolved")]
    public void Other_incident_events_report_the_action_after_incident_in_lower_case(string eventType, string status)
    {
        var json = Load("pagerduty-triggered.json");
        json["event"]!["event_type"] = eventType;

        var parsed = ParseSingle(json);

        Assert.Equal(status, parsed.Status);
        Assert.Equal("Q2KDMZ8X4T7VBN", parsed.Alert.Fingerprint);
    }

    [Fact]
    public void Note_event_refers_to_its_incident_and_carries_the_note()
    {
        var parsed = ParseSingle(Load("pagerduty-annotated.json"));

        Assert.Equal("annotated", parsed.Status);
        Assert.Equal("Q2KDMZ8X4T7VBN", parsed.Alert.Fingerprint);
        Assert.Equal("checkout-api 5xx error rate above 5% for 10 minutes", parsed.Alert.Summary);
        Assert.Equal("Rolled back checkout-api to v2.41.3, watching the error rate.", parsed.Alert.Annotations["note"]);
        Assert.Equal("https://acme.pagerduty.com/incidents/Q2KDMZ8X4T7VBN", parsed.Alert.Url);
        Assert.Null(parsed.Alert.Service);
    }

    [Fact]
    public void Time_falls_back_to_the_incident_creation_then_to_the_receive_time()
    {
        var withoutOccurredAt = Load("pagerduty-triggered.json");
        withoutOccurredAt["event"]!.AsObject().Remove("occurred_at");
        var withNeither = Load("pagerduty-triggered.json");
        withNeither["event"]!.AsObject().Remove("occurred_at");
        withNeither["event"]!["data"]!["created_at"] = null;

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 13, 40, TimeSpan.Zero), ParseSingle(withoutOccurredAt).Alert.OccurredAt);
        Assert.Equal(ReceivedAt, ParseSingle(withNeither).Alert.OccurredAt);
    }

    [Fact]
    public void Incident_without_a_title_is_summarised_by_its_number()
    {
        var json = Load("pagerduty-triggered.json");
        json["event"]!["data"]!.AsObject().Remove("title");

        Assert.Equal("PagerDuty incident #4182", ParseSingle(json).Alert.Summary);
    }

    [Fact]
    public void Event_that_is_not_about_an_incident_is_rejected_as_such()
    {
        var reason = Rejection(Load("pagerduty-service-updated.json"));

        Assert.StartsWith("PagerDuty v3 webhook:", reason, StringComparison.Ordinal);
        Assert.Contains("'service.updated'", reason, StringComparison.Ordinal);
        Assert.Contains("isn't about an incident", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"event": "incident.triggered"}""", "'event' must be an object, found a string")]
    [InlineData("""{"event": null}""", "'event' is missing")]
    [InlineData("""{"event": {"resource_type": "incident", "data": {"id": "P1"}}}""", "'event.event_type' is missing")]
    [InlineData("""{"event": {"event_type": 7, "data": {"id": "P1"}}}""", "'event.event_type' must be a string, found a number")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "resource_type": "incident"}}""", "'event.data' is missing")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "data": ["P1"]}}""", "'event.data' must be an object, found an array")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "data": {"title": "disk full"}}}""", "'event.data.id' is missing")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "data": {"id": "  "}}}""", "'event.data.id' is missing")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "occurred_at": "soon", "data": {"id": "P1"}}}""", "'event.occurred_at' is not an ISO-8601 date: 'soon'")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "data": {"id": "P1", "title": 42}}}""", "'event.data.title' must be a string, found a number")]
    [InlineData("""{"event": {"event_type": "incident.triggered", "data": {"id": "P1", "priority": "P1"}}}""", "'event.data.priority' must be an object, found a string")]
    [InlineData("""{"event": {"event_type": "incident.", "data": {"id": "P1"}}}""", "names no incident action")]
    public void Malformed_webhook_is_rejected_with_the_path_and_the_problem(string json, string expected)
    {
        var reason = Rejection(json);

        Assert.StartsWith("PagerDuty v3 webhook:", reason, StringComparison.Ordinal);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decorative_details_of_an_unexpected_type_are_left_out_rather_than_rejected()
    {
        var json = Load("pagerduty-triggered.json");
        json["event"]!["data"]!["teams"] = "Payments";
        json["event"]!["data"]!["conference_bridge"] = new JsonArray();

        var alert = ParseSingle(json).Alert;

        Assert.False(alert.Labels.ContainsKey("teams"));
        Assert.False(alert.Annotations.ContainsKey("conference_url"));
        Assert.Equal("Q2KDMZ8X4T7VBN", alert.Fingerprint);
    }
}

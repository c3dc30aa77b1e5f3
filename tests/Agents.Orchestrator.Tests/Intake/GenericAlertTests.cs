using System.Text.Json.Nodes;
using Agents.Orchestrator.Intake;
using static Agents.Orchestrator.Tests.Intake.IntakePayloads;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class GenericAlertTests
{
    private const string Minimal = """
        {"source": "cron-monitor", "service": "billing-batch", "summary": "Nightly invoice run did not finish within 2h",
         "timestamp": "2026-11-24T04:00:00Z", "labels": {"job": "invoice-nightly", "attempt": 1}}
        """;

    [Fact]
    public void Generic_alert_with_a_fingerprint_keeps_it_and_reads_every_field()
    {
        var parsed = ParseSingle(Load("generic-with-fingerprint.json"));
        var alert = parsed.Alert;

        Assert.Equal(AlertStatuses.Firing, parsed.Status);
        Assert.Equal("generic", alert.Format);
        Assert.Equal("uptime-checker", alert.Source);
        Assert.Equal("uptime-search-api-3-health", alert.Fingerprint);
        Assert.Equal("search-api", alert.Service);
        Assert.Equal("Health check failing on search-api-3: HTTP 503", alert.Summary);
        Assert.Equal("high", alert.Severity);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 5, 0, TimeSpan.Zero), alert.OccurredAt.ToUniversalTime());
        Assert.Equal("https://status.acme.example/checks/search-api-3", alert.Url);
        Assert.Equal("https://wiki.acme.example/runbooks/search-api", alert.Annotations["runbook"]);
        Assert.Null(alert.ExternalId);
    }

    [Fact]
    public void Label_numbers_and_booleans_become_their_json_text()
    {
        var labels = ParseSingle(Load("generic-with-fingerprint.json")).Alert.Labels;

        Assert.Equal(4, labels.Count);
        Assert.Equal("search-api-3", labels["host"]);
        Assert.Equal("8443", labels["port"]);
        Assert.Equal("false", labels["canary"]);
    }

    [Fact]
    public void Generic_alert_without_a_fingerprint_gets_the_documented_hash()
    {
        var alert = ParseSingle(Load("generic-without-fingerprint.json")).Alert;

        // SHA-256 of "cron-monitor␟billing-batch␟Nightly invoice run did not finish within 2h␟attempt␞1␟job␞invoice-nightly␟"
        // (␟ = 0x1F, ␞ = 0x1E), first 32 hex digits, computed outside .NET.
        Assert.Equal("gen-4c520ece9d1c6f479266b01ecba24f69", alert.Fingerprint);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero), alert.OccurredAt);
    }

    [Fact]
    public void Same_alert_at_another_time_or_severity_has_the_same_fingerprint()
    {
        var first = Json(Minimal);
        var later = Json(Minimal);
        later["timestamp"] = "2026-11-25T04:00:07+02:00";
        later["severity"] = "critical";
        later["annotations"] = Json("""{"runtime": "2h14m"}""");

        Assert.Equal(ParseSingle(first).Alert.Fingerprint, ParseSingle(later).Alert.Fingerprint);
    }

    [Fact]
    public void Fingerprint_ignores_the_order_of_the_labels_and_surrounding_blanks()
    {
        var reordered = Json("""
            {"source": " cron-monitor ", "service": "billing-batch", "summary": "Nightly invoice run did not finish within 2h  ",
             "timestamp": "2026-11-24T04:00:00Z", "labels": {"attempt": "1", "job": "invoice-nightly", "owner": ""}}
            """);

        Assert.Equal("gen-4c520ece9d1c6f479266b01ecba24f69", ParseSingle(reordered).Alert.Fingerprint);
    }

    [Theory]
    [InlineData("service", "billing-api")]
    [InlineData("source", "other-monitor")]
    [InlineData("summary", "Nightly invoice run failed")]
    public void Different_service_source_or_summary_gives_a_different_fingerprint(string field, string value)
    {
        var changed = Json(Minimal);
        changed[field] = value;

        Assert.NotEqual(ParseSingle(Json(Minimal)).Alert.Fingerprint, ParseSingle(changed).Alert.Fingerprint);
    }

    [Fact]
    public void Different_label_value_gives_a_different_fingerprint()
    {
        var changed = Json(Minimal);
        changed["labels"]!["attempt"] = 2;

        Assert.NotEqual("gen-4c520ece9d1c6f479266b01ecba24f69", ParseSingle(changed).Alert.Fingerprint);
        Assert.Matches("^gen-[0-9a-f]{32}$", ParseSingle(changed).Alert.Fingerprint);
    }

    [Theory]
    [InlineData("resolved", "resolved")]
    [InlineData("Resolved", "resolved")]
    [InlineData(" ACKNOWLEDGED ", "acknowledged")]
    [InlineData("firing", "firing")]
    [InlineData("", "firing")]
    public void Status_is_read_in_lower_case_and_defaults_to_firing(string status, string expected)
    {
        var json = Json(Minimal);
        json["status"] = status;

        Assert.Equal(expected, ParseSingle(json).Status);
    }

    [Fact]
    public void Missing_required_fields_are_all_named_at_once()
    {
        var reason = Rejection("""{"source": "cron", "service": "  ", "labels": {"a": "b"}}""");

        Assert.StartsWith("Generic alert: missing or empty required field(s) 'service', 'summary', 'timestamp'", reason, StringComparison.Ordinal);
        Assert.Contains("(required: source, service, summary, timestamp)", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"timestamp\": \"last tuesday\"", "'timestamp' is not an ISO-8601 date: 'last tuesday'")]
    [InlineData("\"timestamp\": 1732414380", "'timestamp' must be an ISO-8601 date string, found a number")]
    [InlineData("\"timestamp\": \"0001-01-01T00:00:00Z\"", "missing or empty required field(s) 'timestamp'")]
    [InlineData("\"timestamp\": \"2026-11-24T04:00:00Z\", \"labels\": [\"a\", \"b\"]", "'labels' must be an object, found an array")]
    [InlineData("\"timestamp\": \"2026-11-24T04:00:00Z\", \"labels\": {\"pod\": {\"name\": \"x\"}}", "'labels.pod' must be a string, number or boolean, found an object")]
    [InlineData("\"timestamp\": \"2026-11-24T04:00:00Z\", \"annotations\": {\"steps\": [1, 2]}", "'annotations.steps' must be a string, number or boolean, found an array")]
    [InlineData("\"timestamp\": \"2026-11-24T04:00:00Z\", \"fingerprint\": {\"id\": 1}", "'fingerprint' must be a string, number or boolean, found an object")]
    [InlineData("\"timestamp\": \"2026-11-24T04:00:00Z\", \"status\": true", "'status' must be a string, found a boolean")]
    [InlineData("\"timestamp\": \"2026-11-24T04:00:00Z\", \"status\": \"Triggered\"", "'status' must be one of firing, resolved, acknowledged, found 'triggered'")]
    public void Invalid_field_is_rejected_with_its_name_and_the_problem(string timestampAndMore, string expected)
    {
        var reason = Rejection($$"""{"source": "cron", "service": "billing", "summary": "late", {{timestampAndMore}}}""");

        Assert.StartsWith("Generic alert:", reason, StringComparison.Ordinal);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_types_and_missing_fields_are_reported_together()
    {
        var reason = Rejection("""{"source": 12, "service": "billing", "timestamp": "noon-ish"}""");

        Assert.Equal(
            "Generic alert: missing or empty required field(s) 'summary' (required: source, service, summary, timestamp); "
            + "'source' must be a string, found a number; 'timestamp' is not an ISO-8601 date: 'noon-ish'",
            reason);
    }

    [Fact]
    public void Object_built_in_code_with_typed_values_reads_like_its_json()
    {
        var json = new JsonObject
        {
            ["source"] = "in-process",
            ["service"] = "billing-batch",
            ["summary"] = "late",
            ["timestamp"] = new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.FromHours(1)),
            ["fingerprint"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        };

        var alert = ParseSingle(json).Alert;

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero), alert.OccurredAt.ToUniversalTime());
        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e", alert.Fingerprint);
    }
}

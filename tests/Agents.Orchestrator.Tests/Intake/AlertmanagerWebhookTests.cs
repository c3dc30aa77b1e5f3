using Agents.Orchestrator.Intake;
using static Agents.Orchestrator.Tests.Intake.IntakePayloads;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class AlertmanagerWebhookTests
{
    [Fact]
    public void Alertmanager_payload_yields_one_alert_per_firing_alert()
    {
        var parsed = Parse(Load("alertmanager-two-firing.json"));

        Assert.Equal(2, parsed.Count);
        Assert.All(parsed, p => Assert.Equal(AlertStatuses.Firing, p.Status));
        Assert.Equal(["4f1c2d8a9b3e7065", "a07e55c1d2f94b38"], parsed.Select(p => p.Alert.Fingerprint));
    }

    [Fact]
    public void Alert_fields_come_from_its_labels_annotations_and_the_receiver()
    {
        var alert = Parse(Load("alertmanager-two-firing.json"))[0].Alert;

        Assert.Equal("alertmanager", alert.Format);
        Assert.Equal("alertmanager/sre-pager", alert.Source);
        Assert.Equal("Pod is crash looping.", alert.Summary);
        Assert.Equal("ledger-writer", alert.Service);
        Assert.Equal("critical", alert.Severity);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 11, 58, TimeSpan.Zero).AddTicks(7392669), alert.OccurredAt);
        Assert.StartsWith("http://prometheus.monitoring.svc:9090/graph?g0.expr=", alert.Url, StringComparison.Ordinal);
        Assert.Equal("ledger-writer-7d9c6b5f4-x2kqp", alert.Labels["pod"]);
        Assert.Equal("https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping", alert.Annotations["runbook_url"]);
        Assert.Null(alert.ExternalId);
    }

    [Fact]
    public void Start_time_keeps_its_offset_and_the_service_prefers_app_to_container()
    {
        var alert = Parse(Load("alertmanager-two-firing.json"))[1].Alert;

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 12, 28, TimeSpan.Zero).AddTicks(7392669), alert.OccurredAt.ToUniversalTime());
        Assert.Equal("ledger-api", alert.Service);
    }

    [Fact]
    public void Mixed_group_gives_each_alert_its_own_status_and_its_own_labels_over_the_common_ones()
    {
        var parsed = Parse(Load("alertmanager-mixed.json"));

        Assert.Equal([AlertStatuses.Firing, AlertStatuses.Resolved], parsed.Select(p => p.Status));
        var (firing, resolved) = (parsed[0].Alert, parsed[1].Alert);
        Assert.Equal("critical", firing.Severity);
        Assert.Equal("warning", resolved.Severity);
        Assert.Equal("c157a79031e1c40f", resolved.Fingerprint);
        Assert.Equal("checkout-api 5xx ratio above 5%", firing.Summary);
        Assert.Equal("0.23", firing.Annotations["value"]);
        Assert.Equal("5xx ratio on 10.4.9.3:8080 is 6% over the last 5 minutes.", resolved.Annotations["description"]);
        Assert.Equal("us-east-1", resolved.Labels["region"]);
        Assert.Equal("alertmanager/incident-agents", resolved.Source);
        Assert.Equal("checkout-api", resolved.Service);
    }

    [Fact]
    public void Alert_without_its_own_status_takes_the_webhook_status()
    {
        var json = Load("alertmanager-mixed.json");
        json["status"] = "RESOLVED";
        json["alerts"]![1]!.AsObject().Remove("status");

        Assert.Equal(AlertStatuses.Resolved, Parse(json)[1].Status);
    }

    [Fact]
    public void Alert_without_a_fingerprint_gets_a_stable_hash_of_its_labels()
    {
        var first = Load("alertmanager-mixed.json");
        first["alerts"]![0]!.AsObject().Remove("fingerprint");
        var later = Load("alertmanager-mixed.json");
        later["alerts"]![0]!.AsObject().Remove("fingerprint");
        later["alerts"]![0]!["startsAt"] = "2026-11-24T05:00:00Z";
        later["alerts"]![0]!["annotations"]!["value"] = "0.31";
        var otherInstance = Load("alertmanager-mixed.json");
        otherInstance["alerts"]![0]!.AsObject().Remove("fingerprint");
        otherInstance["alerts"]![0]!["labels"]!["instance"] = "10.4.7.22:8080";

        var fingerprint = Parse(first)[0].Alert.Fingerprint;

        Assert.Matches("^am-[0-9a-f]{32}$", fingerprint);
        Assert.Equal(fingerprint, Parse(later)[0].Alert.Fingerprint);
        Assert.NotEqual(fingerprint, Parse(otherInstance)[0].Alert.Fingerprint);
    }

    [Theory]
    [InlineData("""{"summary": "S", "description": "D"}""", """{"alertname": "A"}""", "S")]
    [InlineData("""{"description": "D"}""", """{"alertname": "A"}""", "D")]
    [InlineData("""{"summary": " "}""", """{"alertname": "A"}""", "A")]
    public void Summary_is_the_summary_annotation_else_the_description_else_the_alert_name(string annotations, string labels, string summary)
    {
        var json = Json($$"""{"version": "4", "status": "firing", "alerts": [{"labels": {{labels}}, "annotations": {{annotations}}}]}""");

        Assert.Equal(summary, ParseSingle(json).Alert.Summary);
    }

    [Theory]
    [InlineData("""{"alertname": "A", "job": "api", "app": "web", "service": "checkout"}""", "checkout")]
    [InlineData("""{"alertname": "A", "job": "api", "application": "billing", "container": "worker"}""", "billing")]
    [InlineData("""{"alertname": "A", "job": "kube-state-metrics", "container": "worker"}""", "worker")]
    [InlineData("""{"alertname": "A", "job": "node-exporter", "app_kubernetes_io_name": "ingress-nginx"}""", "ingress-nginx")]
    [InlineData("""{"alertname": "A", "job": "node-exporter", "namespace": "payments"}""", "node-exporter")]
    [InlineData("""{"alertname": "A", "namespace": "payments"}""", null)]
    public void Service_is_the_first_label_present_in_the_documented_order(string labels, string? service)
    {
        var json = Json($$"""{"version": "4", "status": "firing", "receiver": "r", "alerts": [{"status": "firing", "labels": {{labels}}}]}""");

        Assert.Equal(service, ParseSingle(json).Alert.Service);
    }

    [Fact]
    public void Zero_or_missing_start_time_means_the_receive_time()
    {
        var json = Json("""
            {"version": "4", "status": "firing", "alerts": [
              {"labels": {"alertname": "A"}, "startsAt": "0001-01-01T00:00:00Z"},
              {"labels": {"alertname": "B"}}]}
            """);

        Assert.All(Parse(json), p => Assert.Equal(ReceivedAt, p.Alert.OccurredAt));
    }

    [Theory]
    [InlineData("""{"version": "4", "status": "firing", "alerts": []}""", "'alerts' is empty")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": {"labels": {}}}""", "'alerts' must be an array, found an object")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": null}""", "'alerts' must be an array of alerts, found null")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "A"}}, "B"]}""", "'alerts[1]' must be an object, found a string")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": [{"labels": ["alertname", "A"]}]}""", "'alerts[0].labels' must be an object, found an array")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "A", "pod": {"name": "x"}}}]}""", "'alerts[0].labels.pod' must be a string, number or boolean, found an object")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "A"}, "startsAt": "yesterday"}]}""", "'alerts[0].startsAt' is not an ISO-8601 date: 'yesterday'")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "A"}, "startsAt": 1732414380}]}""", "'alerts[0].startsAt' must be an ISO-8601 date string, found a number")]
    [InlineData("""{"version": "4", "alerts": [{"labels": {"alertname": "A"}}]}""", "'alerts[0].status' is missing and the webhook has no 'status' either")]
    [InlineData("""{"version": "4", "status": "firing", "alerts": [{"labels": {"job": "api"}}]}""", "'alerts[0]' has nothing to summarise it")]
    [InlineData("""{"version": "4", "status": "firing", "commonLabels": "severity=critical", "alerts": [{"labels": {"alertname": "A"}}]}""", "'commonLabels' must be an object, found a string")]
    public void Malformed_webhook_is_rejected_with_the_path_and_the_problem(string json, string expected)
    {
        var reason = Rejection(json);

        Assert.StartsWith("Alertmanager webhook:", reason, StringComparison.Ordinal);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_and_booleans_in_labels_become_their_json_text_and_empty_values_are_dropped()
    {
        var json = Json("""{"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "A", "replicas": 3, "ratio": 0.25, "paged": true, "team": "", "zone": null}}]}""");

        var labels = ParseSingle(json).Alert.Labels;

        Assert.Equal("3", labels["replicas"]);
        Assert.Equal("0.25", labels["ratio"]);
        Assert.Equal("true", labels["paged"]);
        Assert.False(labels.ContainsKey("team"));
        Assert.False(labels.ContainsKey("zone"));
    }

    [Fact]
    public void Webhook_without_a_receiver_is_sourced_from_alertmanager_alone()
    {
        var json = Json("""{"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "A"}}]}""");

        Assert.Equal("alertmanager", ParseSingle(json).Alert.Source);
    }

    [Fact]
    public void Each_alert_keeps_its_own_labels()
    {
        var parsed = Parse(Load("alertmanager-two-firing.json"));

        Assert.Equal("ledger-writer-7d9c6b5f4-x2kqp", parsed[0].Alert.Labels["pod"]);
        Assert.Equal("ledger-api-5b8f7c9d6-m4n7r", parsed[1].Alert.Labels["pod"]);
        Assert.Equal("a07e55c1d2f94b38", parsed[1].Alert.Fingerprint);
    }
}

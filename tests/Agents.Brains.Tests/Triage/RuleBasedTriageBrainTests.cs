using Agents.Brains.Tests.Support;
using Agents.Contracts.Alerts;
using Agents.Contracts.Triage;
using Agents.Triage.Brain;

namespace Agents.Brains.Tests.Triage;

public sealed class RuleBasedTriageBrainTests
{
    private readonly RuleBasedTriageBrain _brain = new(Agents.Hosting.Catalog.ServiceCatalog.BuiltIn);

    [Fact]
    public async Task Alertmanager_error_rate_alert_is_classified_with_a_one_line_summary_and_rationale()
    {
        var outcome = await _brain.DecideAsync(Command(Samples.Alert(severity: "critical", summary: "auth-service 5xx error rate\nis 23%")), default);

        var result = Assert.IsType<TriageResult>(outcome.Result);
        Assert.Equal("rules", _brain.Kind);
        Assert.Equal("critical", result.Severity);
        Assert.Equal("auth-service", result.Service);
        Assert.Equal("error-rate", result.ErrorType);
        Assert.Equal(Samples.AlertTime, result.OccurredAt);
        Assert.Equal("[critical] auth-service: auth-service 5xx error rate is 23%", result.Summary);
        Assert.Contains("\"critical\" maps to critical", result.Rationale, StringComparison.Ordinal);
        Assert.Contains("error-rate", result.Rationale, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Rationale);
    }

    [Fact]
    public void Missing_severity_is_medium_and_the_rationale_says_it_was_assumed()
    {
        var result = RuleBasedTriageBrain.Decide(Samples.Alert(severity: null)).Result!;

        Assert.Equal("medium", result.Severity);
        Assert.Contains("states no severity (assumed medium)", result.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_severity_is_medium_and_the_rationale_names_the_unknown_value()
    {
        var result = RuleBasedTriageBrain.Decide(Samples.Alert(severity: "purple")).Result!;

        Assert.Equal("medium", result.Severity);
        Assert.Contains("\"purple\" is not a known severity", result.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Severity_label_is_used_when_the_alert_states_no_severity()
    {
        var alert = Samples.Alert(severity: null, labels: new() { ["alertname"] = "HighErrorRate", ["severity"] = "P2" });

        var result = RuleBasedTriageBrain.Decide(alert).Result!;

        Assert.Equal("high", result.Severity);
        Assert.Contains("label 'severity'", result.Rationale, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("service", "billing")]
    [InlineData("app", "billing")]
    [InlineData("application", "billing")]
    [InlineData("job", "billing")]
    [InlineData("App", "billing")]
    public void Service_falls_back_to_the_conventional_labels(string label, string value)
    {
        var alert = Samples.Alert(service: null, labels: new() { ["alertname"] = "HighErrorRate", [label] = value });

        var result = RuleBasedTriageBrain.Decide(alert).Result!;

        Assert.Equal(value, result.Service);
    }

    [Fact]
    public void Service_label_is_preferred_to_app_and_job_labels()
    {
        var alert = Samples.Alert(service: " ", labels: new() { ["job"] = "scraper", ["app"] = "frontend", ["service"] = "checkout" });

        Assert.Equal("checkout", RuleBasedTriageBrain.Decide(alert).Result!.Service);
    }

    [Fact]
    public async Task Alert_without_any_service_is_a_failure_naming_the_labels_tried()
    {
        var alert = Samples.Alert(service: null, labels: new() { ["alertname"] = "HighErrorRate", ["instance"] = "10.0.0.1:9090" });

        var outcome = await _brain.DecideAsync(Command(alert), default);

        Assert.False(outcome.Succeeded);
        Assert.StartsWith("no service could be identified", outcome.FailureReason, StringComparison.Ordinal);
        Assert.Contains("service, app, application, job", outcome.FailureReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auth-service 5xx responses above 20%", "error-rate")]
    [InlineData("Unhandled exceptions in checkout", "error-rate")]
    [InlineData("Payment failure rate too high", "error-rate")]
    [InlineData("p99 latency above 2s", "latency")]
    [InlineData("Requests to the ledger are slow", "latency")]
    [InlineData("Upstream timeouts from search", "latency")]
    [InlineData("CPU usage at 97%", "saturation")]
    [InlineData("Container OOMKilled", "saturation")]
    [InlineData("Disk usage at 91% on db-3", "saturation")]
    [InlineData("CPUThrottlingHigh", "saturation")]
    [InlineData("Memory pressure on workers", "saturation")]
    [InlineData("Service is down", "availability")]
    [InlineData("Endpoint unreachable from probe", "availability")]
    [InlineData("Health check failing", "availability")]
    [InlineData("Pod in CrashLoopBackOff", "availability")]
    [InlineData("Nightly report finished 4 minutes late", "unknown")]
    [InlineData("Large download queue", "unknown")]
    public void Error_type_comes_from_keywords_in_the_summary(string summary, string expected)
    {
        var alert = Samples.Alert(summary: summary, labels: new() { ["alertname"] = "Something" });

        Assert.Equal(expected, RuleBasedTriageBrain.Decide(alert).Result!.ErrorType);
    }

    [Fact]
    public void Error_type_comes_from_the_alert_name_when_the_summary_says_nothing()
    {
        var alert = Samples.Alert(summary: "Check auth-service", labels: new() { ["alertname"] = "HighLatencyP99", ["service"] = "auth-service" });

        var result = RuleBasedTriageBrain.Decide(alert).Result!;

        Assert.Equal("latency", result.ErrorType);
        Assert.Contains("the alert name", result.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_type_comes_from_annotations_and_label_names_last()
    {
        var byAnnotation = Samples.Alert(summary: "Check it", labels: new() { ["alertname"] = "Team7" },
            annotations: new() { ["description"] = "Memory usage above 95% for 10 minutes" });
        var byLabelName = Samples.Alert(summary: "Check it", labels: new() { ["alertname"] = "Team7", ["error_rate"] = "0.2" });

        Assert.Equal("saturation", RuleBasedTriageBrain.Decide(byAnnotation).Result!.ErrorType);
        Assert.Equal("error-rate", RuleBasedTriageBrain.Decide(byLabelName).Result!.ErrorType);
    }

    [Fact]
    public void Severity_and_service_label_values_do_not_decide_the_error_type()
    {
        var alert = Samples.Alert(severity: null, service: null, summary: "Check it",
            labels: new() { ["alertname"] = "Team7", ["severity"] = "error", ["service"] = "health-api" });

        var result = RuleBasedTriageBrain.Decide(alert).Result!;

        Assert.Equal("unknown", result.ErrorType);
        Assert.Equal("high", result.Severity);
        Assert.Contains("no error, latency, saturation or availability keyword", result.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_keyword_wins_over_a_different_keyword_in_annotations()
    {
        var alert = Samples.Alert(summary: "Service is down", annotations: new() { ["description"] = "5xx errors everywhere" });

        Assert.Equal("availability", RuleBasedTriageBrain.Decide(alert).Result!.ErrorType);
    }

    private static TriageIncident Command(AlertPayload alert) =>
        new() { IncidentId = Samples.IncidentId, Attempt = 1, Alert = alert };
}

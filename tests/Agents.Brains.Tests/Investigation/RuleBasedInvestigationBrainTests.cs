using Agents.Brains.Tests.Support;
using Agents.Contracts.Investigation;
using Agents.Investigation.Brain;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Investigation;

public sealed class RuleBasedInvestigationBrainTests
{
    private static readonly RuleBasedInvestigationBrain Brain = new(Options.Create(new InvestigationOptions()));

    [Fact]
    public async Task Deploy_shortly_before_error_spike_gives_regression_naming_the_version()
    {
        var context = Samples.Context(
            [Samples.Deploy("v7.4.2", 10, previous: "v7.4.1"), Samples.Deploy("v7.4.1", 100, previous: "v7.4.0")],
            [Samples.Metric("error_rate", 0.23, anomalous: true)]);

        var outcome = await Brain.DecideAsync(Samples.Investigate(context), default);

        var hypothesis = Assert.IsType<Hypothesis>(outcome.Result);
        Assert.Equal("rules", Brain.Kind);
        Assert.Equal("regression", hypothesis.Category);
        Assert.Equal("v7.4.2", hypothesis.SuspectVersion);
        Assert.Equal("v7.4.1", hypothesis.LastGoodVersion);
        Assert.Equal(0.9, hypothesis.Confidence);
        Assert.True(hypothesis.ErrorsObserved);
        Assert.Equal("Regression introduced by deploy v7.4.2 of auth-service 10 minutes before the alert (error rate 23%)", hypothesis.Summary);
        Assert.Collection(
            hypothesis.Evidence,
            deploy =>
            {
                Assert.Equal("deploy", deploy.Kind);
                Assert.Equal(Samples.AlertTime.AddMinutes(-10), deploy.ObservedAt);
                Assert.Contains("v7.4.2 (from v7.4.1)", deploy.Description, StringComparison.Ordinal);
            },
            metric =>
            {
                Assert.Equal("metric", metric.Kind);
                Assert.Contains("error rate 23%", metric.Description, StringComparison.Ordinal);
            },
            ThinEvidence);
    }

    [Fact]
    public void Regression_without_an_anomalous_metric_is_less_confident()
    {
        var context = Samples.Context([Samples.Deploy("v7.4.2", 10, previous: "v7.4.1")], [Samples.Metric("error_rate", 0.02, anomalous: false)]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("regression", hypothesis.Category);
        Assert.Equal(0.8, hypothesis.Confidence);
        Assert.Equal(["deploy", "alert"], hypothesis.Evidence.Select(e => e.Kind));
        ThinEvidence(hypothesis.Evidence[^1]);
    }

    [Fact]
    public void Last_good_version_falls_back_to_the_previous_deploy_in_the_list()
    {
        var context = Samples.Context([Samples.Deploy("v7.4.1", 100), Samples.Deploy("v7.4.2", 10)]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("v7.4.2", hypothesis.SuspectVersion);
        Assert.Equal("v7.4.1", hypothesis.LastGoodVersion);
    }

    [Fact]
    public void Last_good_version_is_unknown_when_nothing_names_it_and_never_the_suspect_itself()
    {
        var alone = Brain.Investigate(Samples.Investigate(Samples.Context([Samples.Deploy("v7.4.2", 10)])));
        var redeployed = Brain.Investigate(Samples.Investigate(Samples.Context(
            [Samples.Deploy("v7.4.2", 10, previous: "v7.4.2"), Samples.Deploy("v7.4.2", 50), Samples.Deploy("v7.4.0", 110)])));

        Assert.Null(alone.LastGoodVersion);
        Assert.Equal("v7.4.2", redeployed.SuspectVersion);
        Assert.Equal("v7.4.0", redeployed.LastGoodVersion);
    }

    [Fact]
    public void Newest_deploy_before_the_alert_is_the_suspect_and_a_deploy_after_the_alert_is_not()
    {
        var context = Samples.Context([Samples.Deploy("v7.5.0", -5), Samples.Deploy("v7.4.2", 10, previous: "v7.4.1"), Samples.Deploy("v7.4.1", 40)]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("v7.4.2", hypothesis.SuspectVersion);
    }

    [Fact]
    public void Deploy_older_than_the_regression_window_is_not_suspected()
    {
        var narrow = new RuleBasedInvestigationBrain(Options.Create(new InvestigationOptions { RegressionWindow = TimeSpan.FromMinutes(30) }));
        var context = Samples.Context([Samples.Deploy("v7.4.2", 45, previous: "v7.4.1")], [Samples.Metric("error_rate", 0.23, anomalous: true)]);

        var hypothesis = narrow.Investigate(Samples.Investigate(context));

        Assert.Equal("unknown", hypothesis.Category);
        Assert.Null(hypothesis.SuspectVersion);
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "deploy" && e.Description.Contains("outside the 30 minutes regression window", StringComparison.Ordinal));
    }

    [Fact]
    public void Deploy_of_another_service_is_never_the_suspect()
    {
        var context = Samples.Context([Samples.Deploy("v1.0.0", 5, service: "billing")]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.NotEqual("regression", hypothesis.Category);
        Assert.Null(hypothesis.SuspectVersion);
    }

    [Fact]
    public void Anomalous_cpu_without_a_recent_deploy_is_a_capacity_problem()
    {
        var context = Samples.Context(metrics: [Samples.Metric("cpu", 0.93, anomalous: true), Samples.Metric("memory", 0.5, anomalous: false)]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context, errorType: "latency"));

        Assert.Equal("capacity", hypothesis.Category);
        Assert.Equal(0.7, hypothesis.Confidence);
        Assert.False(hypothesis.ErrorsObserved);
        Assert.Contains("CPU 93%", hypothesis.Summary, StringComparison.Ordinal);
        Assert.Equal(["metric", "alert"], hypothesis.Evidence.Select(e => e.Kind));
        ThinEvidence(hypothesis.Evidence[^1]);
        Assert.Null(hypothesis.SuspectVersion);
    }

    [Fact]
    public void Saturation_alert_without_readings_is_a_capacity_problem_with_the_alert_as_evidence()
    {
        var hypothesis = Brain.Investigate(Samples.Investigate(Samples.Context(), errorType: "saturation"));

        Assert.Equal("capacity", hypothesis.Category);
        var evidence = hypothesis.Evidence[0];
        Assert.Equal("alert", evidence.Kind);
        Assert.StartsWith("Triage classified the alert as saturation", evidence.Description, StringComparison.Ordinal);
        Assert.Equal(Samples.AlertTime, evidence.ObservedAt);
        ThinEvidence(Assert.Single(hypothesis.Evidence.Skip(1)));
    }

    [Fact]
    public void Nothing_explaining_the_alert_gives_an_unknown_hypothesis_with_low_confidence()
    {
        var hypothesis = Brain.Investigate(Samples.Investigate(Samples.Context(), errorType: "availability"));

        Assert.Equal("unknown", hypothesis.Category);
        Assert.Equal(0.2, hypothesis.Confidence);
        Assert.False(hypothesis.ErrorsObserved);
        Assert.StartsWith("No deploy of auth-service in the 2 hours before the alert and no saturation explains the availability alert", hypothesis.Summary, StringComparison.Ordinal);
        Assert.Equal(["alert", "alert"], hypothesis.Evidence.Select(e => e.Kind));
        ThinEvidence(hypothesis.Evidence[^1]);
    }

    [Fact]
    public void Retry_after_a_contradiction_reports_the_errors_the_context_shows_and_names_the_rejection()
    {
        const string contradiction = "contradiction: the context shows an error rate of 23 % but the hypothesis reports no errors found";
        var context = Samples.Context(metrics: [Samples.Metric("error_rate", 0.23, anomalous: true)]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context, errorType: "latency", previousFailure: contradiction));

        Assert.True(hypothesis.ErrorsObserved);
        Assert.Contains("re-examined after the previous attempt was rejected", hypothesis.Summary, StringComparison.Ordinal);
        var note = Assert.Single(hypothesis.Evidence, e => e.Description.StartsWith("Previous attempt rejected:", StringComparison.Ordinal));
        Assert.Equal("alert", note.Kind);
        Assert.Contains(contradiction, note.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.009, "latency", false)]
    [InlineData(0.01, "latency", true)]
    [InlineData(0.0, "error-rate", true)]
    public void Errors_observed_comes_from_the_error_rate_reading_or_the_triaged_type(double errorRate, string errorType, bool expected)
    {
        var context = Samples.Context(metrics: [Samples.Metric("error_rate", errorRate, anomalous: false)]);

        Assert.Equal(expected, Brain.Investigate(Samples.Investigate(context, errorType)).ErrorsObserved);
    }

    [Fact]
    public void Every_evidence_time_lies_inside_the_context_window()
    {
        var context = Samples.Context(
            [Samples.Deploy("v7.5.0", -5), Samples.Deploy("v7.4.2", 10, previous: "v7.4.1")],
            [Samples.Metric("error_rate", 0.23, anomalous: true), Samples.Metric("cpu", 0.95, anomalous: true)]);

        var hypothesis = Brain.Investigate(Samples.Investigate(context, previousFailure: "timed out"));

        Assert.All(hypothesis.Evidence.Where(e => e.ObservedAt is not null),
            e => Assert.InRange(e.ObservedAt!.Value, context.WindowStart, context.WindowEnd));
        Assert.Contains(hypothesis.SuspectVersion, context.RecentDeploys.Select(d => d.Version));
    }

    /// <summary>The note that nothing measured the service: the hypothesis rests on the alert alone.</summary>
    private static void ThinEvidence(Evidence evidence)
    {
        Assert.Equal("alert", evidence.Kind);
        Assert.StartsWith("Evidence is thin: no telemetry measured auth-service", evidence.Description, StringComparison.Ordinal);
    }
}

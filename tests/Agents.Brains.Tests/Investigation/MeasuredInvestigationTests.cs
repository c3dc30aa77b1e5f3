using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Investigation.Brain;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Investigation;

/// <summary>The investigation rules reading measured series (as the metrics sources summarise them) rather than the alert alone.</summary>
public sealed class MeasuredInvestigationTests
{
    private const string Dependency = "payments";

    private static readonly RuleBasedInvestigationBrain Brain = new(Options.Create(new InvestigationOptions()));

    private static readonly ContextWindow Window =
        new(Samples.AlertTime.AddHours(-2), Samples.AlertTime.AddMinutes(5)) { IncidentStart = Samples.AlertTime.AddMinutes(-30) };

    [Fact]
    public void Error_ratio_stepping_up_minutes_after_a_deploy_is_a_regression_naming_the_deploy_and_the_measured_step()
    {
        var context = Context(
            [Samples.Deploy("v7.4.2", 14, previous: "v7.4.1"), Samples.Deploy("v7.4.1", 100, previous: "v7.4.0")],
            Series(MetricSignals.ErrorRatio, 0.005, 0.2, stepMinutesBeforeAlert: 10));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("regression", hypothesis.Category);
        Assert.Equal(("v7.4.2", "v7.4.1"), (hypothesis.SuspectVersion, hypothesis.LastGoodVersion));
        Assert.True(hypothesis.ErrorsObserved);
        Assert.StartsWith("Regression introduced by deploy v7.4.2 of auth-service: its error ratio rose from 0.5% to 20% starting 2026-11-24 02:03 UTC", hypothesis.Summary, StringComparison.Ordinal);
        Assert.EndsWith("4 minutes after the deploy at 2026-11-24 01:59 UTC", hypothesis.Summary, StringComparison.Ordinal);
        Assert.InRange(hypothesis.Confidence, 0.85, 0.95);
        var step = Assert.Single(hypothesis.Evidence, e => e.Kind == "metric");
        Assert.Equal(("prometheus", "error_ratio{service=\"auth-service\"}"), (step.Source, step.Query));
        Assert.Equal(Samples.AlertTime.AddMinutes(-10), step.ObservedAt);
    }

    [Fact]
    public void Confidence_grows_with_the_effect_size_and_shrinks_with_the_delay_after_the_deploy()
    {
        var close = Brain.Investigate(Samples.Investigate(Context([Samples.Deploy("v2", 12, previous: "v1")], Series(MetricSignals.ErrorRatio, 0.005, 0.2, 10))));
        var late = Brain.Investigate(Samples.Investigate(Context([Samples.Deploy("v2", 35, previous: "v1")], Series(MetricSignals.ErrorRatio, 0.005, 0.2, 10))));
        var small = Brain.Investigate(Samples.Investigate(Context([Samples.Deploy("v2", 12, previous: "v1")], Series(MetricSignals.ErrorRatio, 0.01, 0.03, 10, noise: 0.006))));

        Assert.All([close, late, small], h => Assert.Equal("regression", h.Category));
        Assert.True(close.Confidence > late.Confidence, $"{close.Confidence} > {late.Confidence}");
        Assert.True(close.Confidence > small.Confidence, $"{close.Confidence} > {small.Confidence}");
    }

    [Fact]
    public void A_deploy_after_the_step_started_is_not_the_cause()
    {
        var context = Context([Samples.Deploy("v7.4.2", 5, previous: "v7.4.1")], Series(MetricSignals.ErrorRatio, 0.005, 0.2, stepMinutesBeforeAlert: 10));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("unknown", hypothesis.Category);
        Assert.Null(hypothesis.SuspectVersion);
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "deploy" && e.Description.Contains("came 5 minutes after the service had already degraded: not the cause", StringComparison.Ordinal));
        Assert.True(hypothesis.Confidence < 0.5);
    }

    [Fact]
    public void A_deploy_long_before_the_step_is_not_the_cause()
    {
        var context = Context([Samples.Deploy("v7.4.2", 90, previous: "v7.4.1")], Series(MetricSignals.ErrorRatio, 0.005, 0.2, stepMinutesBeforeAlert: 10));

        Assert.NotEqual("regression", Brain.Investigate(Samples.Investigate(context)).Category);
    }

    [Fact]
    public void A_deploy_with_a_flat_error_ratio_does_not_make_a_regression()
    {
        var context = Context([Samples.Deploy("v7.4.2", 20, previous: "v7.4.1")], Series(MetricSignals.ErrorRatio, 0.004, 0.004, stepMinutesBeforeAlert: 10, noise: 0.0005));

        var hypothesis = Brain.Investigate(Samples.Investigate(context, errorType: "availability"));

        Assert.Equal("unknown", hypothesis.Category);
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "metric" && e.Description.StartsWith("auth-service: error ratio stayed near 0.4%", StringComparison.Ordinal));
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "deploy" && e.Description.Contains("was not followed by a step", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dependency_that_degraded_first_is_blamed_rather_than_the_service()
    {
        var context = Context(
            [],
            Series(MetricSignals.ErrorRatio, 0.005, 0.2, stepMinutesBeforeAlert: 8),
            Series(MetricSignals.ErrorRatio, 0.004, 0.3, stepMinutesBeforeAlert: 13, service: Dependency));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("dependency", hypothesis.Category);
        Assert.Equal(Dependency, hypothesis.Dependency);
        Assert.Equal(0.75, hypothesis.Confidence);
        Assert.StartsWith("payments, which auth-service depends on, degraded first: its error ratio rose from 0.4% to 30%", hypothesis.Summary, StringComparison.Ordinal);
        Assert.Contains("5 minutes before auth-service's error ratio rose", hypothesis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_that_degraded_after_the_service_is_not_blamed()
    {
        var context = Context(
            [Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")],
            Series(MetricSignals.ErrorRatio, 0.005, 0.2, stepMinutesBeforeAlert: 10),
            Series(MetricSignals.ErrorRatio, 0.004, 0.3, stepMinutesBeforeAlert: 5, service: Dependency));

        Assert.Equal("regression", Brain.Investigate(Samples.Investigate(context)).Category);
    }

    [Fact]
    public void Saturation_rising_with_no_deploy_is_capacity()
    {
        var context = Context([], Series(MetricSignals.Saturation, 0.4, 0.95, stepMinutesBeforeAlert: 15, noise: 0.02));

        var hypothesis = Brain.Investigate(Samples.Investigate(context, errorType: "latency"));

        Assert.Equal("capacity", hypothesis.Category);
        Assert.Equal(0.75, hypothesis.Confidence);
        Assert.Contains("saturation rose from 40% to 95%", hypothesis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_similar_past_incident_resolved_by_a_runbook_action_is_a_known_issue()
    {
        var context = Context([], Series(MetricSignals.ErrorRatio, 0.004, 0.004, stepMinutesBeforeAlert: 10, noise: 0.0005)) with
        {
            PastIncidents =
            [
                Past("Q1", "auth-service connection pool exhausted", 0.8, "restart-pods"),
                Past("Q2", "auth-service 5xx error rate high", 0.9, null),
            ],
        };

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("known-issue", hypothesis.Category);
        Assert.Equal("restart-pods", hypothesis.KnownAction);
        Assert.Equal(0.79, hypothesis.Confidence);
        Assert.Equal("history", hypothesis.Evidence[0].Kind);
    }

    [Fact]
    public void A_past_incident_not_alike_enough_is_not_a_known_issue()
    {
        var context = Context([], Series(MetricSignals.ErrorRatio, 0.004, 0.004, 10, noise: 0.0005)) with
        {
            PastIncidents = [Past("Q1", "disk full on batch host", 0.2, "restart-pods")],
        };

        Assert.Equal("unknown", Brain.Investigate(Samples.Investigate(context)).Category);
    }

    [Fact]
    public void An_earlier_step_of_another_signal_does_not_hide_a_later_step_right_after_a_deploy()
    {
        var context = Context(
            [Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")],
            Series(MetricSignals.LatencyP99, 0.3, 0.9, stepMinutesBeforeAlert: 75, noise: 0.02),
            Series(MetricSignals.ErrorRatio, 0.002, 0.15, stepMinutesBeforeAlert: 10, noise: 0.0005));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("regression", hypothesis.Category);
        Assert.Equal("v7.4.2", hypothesis.SuspectVersion);
        Assert.Contains("its error ratio rose", hypothesis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_that_degraded_long_before_the_deploy_does_not_take_the_blame_from_it()
    {
        var context = Context(
            [Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")],
            Series(MetricSignals.ErrorRatio, 0.002, 0.12, stepMinutesBeforeAlert: 10, noise: 0.0005),
            Series(MetricSignals.LatencyP99, 0.06, 0.13, stepMinutesBeforeAlert: 100, service: Dependency, noise: 0.003));

        Assert.Equal("regression", Brain.Investigate(Samples.Investigate(context)).Category);
    }

    [Fact]
    public void A_dependency_that_degraded_shortly_before_the_deploy_takes_the_blame()
    {
        var context = Context(
            [Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")],
            Series(MetricSignals.ErrorRatio, 0.002, 0.12, stepMinutesBeforeAlert: 10, noise: 0.0005),
            Series(MetricSignals.ErrorRatio, 0.002, 0.2, stepMinutesBeforeAlert: 20, service: Dependency, noise: 0.0005));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal("dependency", hypothesis.Category);
        Assert.Equal(Dependency, hypothesis.Dependency);
    }

    [Fact]
    public void A_step_far_smaller_than_a_doubling_is_still_a_step_when_it_stands_out_of_the_noise()
    {
        var series = Series(MetricSignals.ErrorRatio, 0.04, 0.075, stepMinutesBeforeAlert: 10, noise: 0.002);

        Assert.Equal("up", series.Step?.Direction);
        Assert.Equal(TimeSpan.FromSeconds(30), series.Resolution);
    }

    private static PastIncident Past(string id, string title, double similarity, string? action) => new()
    {
        Source = "pagerduty",
        Query = "GET /incidents",
        From = Samples.AlertTime.AddDays(-30),
        To = Samples.AlertTime,
        Id = id,
        Title = title,
        CreatedAt = Samples.AlertTime.AddDays(-3),
        ResolvedAt = Samples.AlertTime.AddDays(-3).AddHours(1),
        Similarity = similarity,
        Action = action,
    };

    /// <summary>A series of 30 s points over the window with a level change <paramref name="stepMinutesBeforeAlert"/> before the alert, as the source would summarise it.</summary>
    private static MetricSeries Series(string signal, double before, double after, int stepMinutesBeforeAlert, string service = Samples.Service, double? noise = null)
    {
        var step = Samples.AlertTime.AddMinutes(-stepMinutesBeforeAlert);
        var jitter = noise ?? before * 0.1;
        var points = new List<SeriesPoint>();
        var i = 0;
        for (var at = Window.Start; at <= Window.End; at = at.AddSeconds(30), i++)
        {
            var level = at >= step ? after : before;
            points.Add(new SeriesPoint(at, level + (jitter * ((i % 3) - 1))));
        }

        return SeriesAnalysis.Summarize(service, signal, "prometheus", $"{signal}{{service=\"{service}\"}}", "ratio", new Dictionary<string, string>(), points, Window, new ContextBounds());
    }

    private static IncidentContext Context(IReadOnlyList<DeployRecord> deploys, params MetricSeries[] series) => Samples.Context(deploys) with
    {
        WindowStart = Window.Start,
        WindowEnd = Window.End,
        IncidentWindowStart = Window.IncidentStart,
        Series = series,
        Metrics = series.Where(s => s.Service == Samples.Service && s.Signal == MetricSignals.ErrorRatio)
            .Select(s => Samples.Metric("error_rate", s.Peak!.Value, s.Step is not null) with { Source = "prometheus" })
            .ToList(),
        Profile = new ServiceProfile { Name = Samples.Service, FromDefaultEntry = false, Tier = "critical", DependsOn = [Dependency] },
    };
}

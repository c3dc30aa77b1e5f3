using Agents.Contracts.Context;
using Agents.Orchestrator.Incidents;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>The orchestrator's check of a hypothesis against what the context sources measured.</summary>
public sealed class MeasuredContradictionTests
{
    [Fact]
    public void No_errors_while_prometheus_measured_seven_percent_is_refused_with_the_figure_and_the_source()
    {
        var incident = Incident(Samples.Context() with
        {
            Metrics =
            [
                new MetricObservation { Name = "error_rate", Value = 0.07, Baseline = 0.004, Unit = "ratio", ObservedAt = Samples.AlertTime, Anomalous = true, Source = "prometheus" },
            ],
        });

        var reason = ReplyValidator.Hypothesis(incident, Samples.Hypothesis(errorsObserved: false));

        Assert.Equal("contradiction: prometheus measured an error rate of 7% for auth-service, baseline 0.4% but the hypothesis reports no errors found", reason);
    }

    [Fact]
    public void An_error_rate_below_the_threshold_is_no_contradiction()
    {
        var incident = Incident(Samples.Context(errorRate: 0.02));

        Assert.Null(ReplyValidator.Hypothesis(incident, Samples.Hypothesis(errorsObserved: false)));
    }

    [Fact]
    public void Blaming_a_deploy_that_came_after_the_measured_step_is_refused_with_both_times()
    {
        var incident = Incident(Samples.Context() with { Series = [Step(minutesBeforeAlert: 20)] });

        var reason = ReplyValidator.Hypothesis(incident, Samples.Hypothesis());

        Assert.Equal(
            "contradiction: the hypothesis blames deploy v7.4.2 at 2026-11-24 02:01:00Z, but prometheus measured the error ratio of auth-service stepping up from 0.5% to 21% at 2026-11-24 01:53:00Z, before that deploy",
            reason);
    }

    [Fact]
    public void Blaming_the_deploy_the_step_followed_is_accepted()
    {
        var incident = Incident(Samples.Context() with { Series = [Step(minutesBeforeAlert: 8)] });

        Assert.Null(ReplyValidator.Hypothesis(incident, Samples.Hypothesis()));
    }

    [Fact]
    public void Blaming_a_deploy_followed_by_a_later_step_is_accepted_though_an_earlier_step_came_before_it()
    {
        var incident = Incident(Samples.Context() with
        {
            Series = [Step(minutesBeforeAlert: 60) with { Signal = MetricSignals.LatencyP99, Unit = "seconds" }, Step(minutesBeforeAlert: 8)],
        });

        Assert.Null(ReplyValidator.Hypothesis(incident, Samples.Hypothesis()));
    }

    [Fact]
    public void A_coarse_series_gives_the_deploy_its_resolution_of_doubt()
    {
        // CloudWatch at a 5-minute period dates a step by the start of its period: 10:00 for a change at 10:03.
        var incident = Incident(Samples.Context() with { Series = [Step(minutesBeforeAlert: 15) with { Resolution = TimeSpan.FromMinutes(5) }] });

        Assert.Null(ReplyValidator.Hypothesis(incident, Samples.Hypothesis()));
    }

    private static MetricSeries Step(int minutesBeforeAlert) => new()
    {
        Service = "auth-service",
        Signal = MetricSignals.ErrorRatio,
        Source = "prometheus",
        Query = "sum(rate(errors[5m]))",
        From = Samples.AlertTime.AddHours(-2),
        To = Samples.AlertTime.AddMinutes(15),
        Unit = "ratio",
        Baseline = 0.005,
        Peak = 0.21,
        Step = new StepChange { At = Samples.AlertTime.AddMinutes(-minutesBeforeAlert), Before = 0.005, After = 0.21, EffectSize = 40, Direction = "up" },
    };

    private static IncidentState Incident(IncidentContext context) => new()
    {
        Alert = Samples.Alert(),
        Triage = Samples.Triage(),
        Context = context,
    };
}

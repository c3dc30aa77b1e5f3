using System.Text.Json.Serialization;

namespace Agents.Contracts.Context;

/// <summary>
/// One measured time series of a service around the incident (from Prometheus, Datadog or CloudWatch), already
/// analysed: its baseline, its value in the incident window and, when there is one, the step change found in it.
/// The points are downsampled to a bounded number; the analysis ran over the full-resolution answer.
/// </summary>
public sealed record MetricSeries
{
    /// <summary>The service the series measures: the incident's own, or one it depends on.</summary>
    public required string Service { get; init; }

    /// <summary>What it measures: <c>error_ratio</c>, <c>latency_p99</c>, <c>saturation</c> or <c>restarts</c>.</summary>
    public required string Signal { get; init; }

    /// <summary>Where it came from: <c>prometheus</c>, <c>datadog</c>, <c>cloudwatch</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The exact query sent (PromQL, a Datadog metrics query, a CloudWatch metric description).</summary>
    public required string Query { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    /// <summary><c>ratio</c> (0..1), <c>seconds</c>, <c>percent</c> (0..100) or <c>count</c>.</summary>
    public required string Unit { get; init; }

    /// <summary>The labels or tags that tell this series apart when a query answered several (top-k kept).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The median before the incident window; null when there were no points there.</summary>
    public double? Baseline { get; init; }

    /// <summary>The highest value inside the incident window; null when there were no points there.</summary>
    public double? Peak { get; init; }

    public StepChange? Step { get; init; }

    /// <summary>The time between two points of the answer (the query's step, CloudWatch's period): a step's time is known to within it.</summary>
    public TimeSpan? Resolution { get; init; }

    /// <summary>The least a step's time is uncertain by, whatever the resolution: one minute.</summary>
    public static readonly TimeSpan MinimumTimingTolerance = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How far a cause may seem to come after this series' step and still be taken as coming before it:
    /// <see cref="MinimumTimingTolerance"/>, or <see cref="Resolution"/> when coarser. The investigation's rules and the
    /// orchestrator's contradiction check both use it, so that they never disagree on a deploy's timing.
    /// </summary>
    [JsonIgnore]
    public TimeSpan TimingTolerance => Resolution is { } resolution && resolution > MinimumTimingTolerance ? resolution : MinimumTimingTolerance;

    public IReadOnlyList<SeriesPoint> Points { get; init; } = [];
}

/// <summary>One point of a <see cref="MetricSeries"/>.</summary>
public sealed record SeriesPoint(DateTimeOffset At, double Value);

/// <summary>A lasting change of level in a series: when it started, the mean level before and after, and how large it is.</summary>
public sealed record StepChange
{
    /// <summary>The first point of the new level.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>
    /// When the change began: the first point of the run leading up to the new level that is already a tenth of the way
    /// there. A rate over a window (<c>rate(x[5m])</c>) turns a sudden change into a ramp as long as the window, so the
    /// new level (<see cref="At"/>) is reached minutes after the cause; this is the time to compare causes with.
    /// </summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary><see cref="StartedAt"/>, else <see cref="At"/>.</summary>
    public DateTimeOffset Began => StartedAt ?? At;

    public required double Before { get; init; }

    public required double After { get; init; }

    /// <summary>
    /// The change against the noise: |after − before| divided by the pooled standard deviation of the two levels
    /// (with a floor so that a perfectly flat series does not make a tiny change look huge). 3 or more is a clear step.
    /// </summary>
    public required double EffectSize { get; init; }

    /// <summary><c>up</c> or <c>down</c>.</summary>
    public required string Direction { get; init; }
}

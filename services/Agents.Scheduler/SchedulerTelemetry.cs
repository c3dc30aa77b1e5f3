using System.Diagnostics.Metrics;
using Agents.Hosting;

namespace Agents.Scheduler;

/// <summary>
/// <c>agents_scheduler_fire_lateness_seconds</c> on <c>/metrics</c>: how long after its due time each stored message was
/// sent (a step timeout fired late is an incident waiting longer than its workflow says). The buckets are fixed so that
/// the alerting rules can count the fires later than 10 s and 60 s (deploy/monitoring).
/// </summary>
internal static class SchedulerTelemetry
{
    public static Histogram<double> FireLateness { get; } = AgentsTelemetry.Meter.CreateHistogram(
        "agents.scheduler.fire.lateness", "s", "Time from a stored message's due time to its send, by outcome (sent, failed).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900] });

    public static void Record(DateTimeOffset? due, DateTimeOffset now, string outcome)
    {
        if (due is { } at)
        {
            FireLateness.Record(Math.Max(0, (now - at).TotalSeconds), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}

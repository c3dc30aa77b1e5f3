using System.Diagnostics;
using System.Diagnostics.Metrics;
using Agents.Hosting;

namespace Agents.Context.Sources;

/// <summary>The context sources' spans (one <c>context.source NAME</c> span per source and incident) and their duration histogram.</summary>
public static class ContextTelemetry
{
    public static ActivitySource Source => AgentsTelemetry.ActivitySource;

    /// <summary><c>agents_context_source_duration_seconds{source, outcome}</c> on <c>/metrics</c>; outcome ok, failed or timed_out.</summary>
    public static Histogram<double> SourceDuration { get; } = AgentsTelemetry.Meter.CreateHistogram<double>(
        "agents.context.source.duration", "s", "Time a context source took for one incident, by source and outcome (ok, failed, timed_out).");

    public static void Record(string source, string outcome, TimeSpan elapsed) =>
        SourceDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));
}

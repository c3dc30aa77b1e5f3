namespace Agents.Contracts.Context;

/// <summary>The signals measured for a service (<see cref="MetricSeries.Signal"/>) and their units.</summary>
public static class MetricSignals
{
    /// <summary>Fraction of requests that failed, unit <c>ratio</c>.</summary>
    public const string ErrorRatio = "error_ratio";

    /// <summary>99th percentile latency, unit <c>seconds</c>.</summary>
    public const string LatencyP99 = "latency_p99";

    /// <summary>Utilisation of the scarcest resource, unit <c>ratio</c> (or <c>percent</c> as a source reports it).</summary>
    public const string Saturation = "saturation";

    /// <summary>Container restarts per interval, unit <c>count</c>.</summary>
    public const string Restarts = "restarts";

    public static IReadOnlyList<string> All { get; } = [ErrorRatio, LatencyP99, Saturation, Restarts];
}

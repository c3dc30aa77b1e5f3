namespace Agents.Contracts.Context;

/// <summary>One metric reading around the alert time.</summary>
public sealed record MetricObservation
{
    /// <summary><c>error_rate</c> (fraction), <c>cpu</c> (fraction), <c>memory</c> (fraction), <c>latency_p99_ms</c>, ...</summary>
    public required string Name { get; init; }

    public required double Value { get; init; }

    public double? Baseline { get; init; }

    public required string Unit { get; init; }

    public required DateTimeOffset ObservedAt { get; init; }

    public required bool Anomalous { get; init; }

    public required string Source { get; init; }
}

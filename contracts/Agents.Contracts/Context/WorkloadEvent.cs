namespace Agents.Contracts.Context;

/// <summary>Something that happened to the service's pods (Kubernetes): restarts, OOMKilled, CrashLoopBackOff, failed probes.</summary>
public sealed record WorkloadEvent
{
    public required string Source { get; init; }

    /// <summary>The request made (API path and selectors).</summary>
    public required string Query { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    /// <summary><c>OOMKilled</c>, <c>CrashLoopBackOff</c>, <c>Restarted</c>, or the Kubernetes event reason (<c>BackOff</c>, <c>Unhealthy</c>...).</summary>
    public required string Reason { get; init; }

    /// <summary>The pod or object, e.g. <c>pod/checkout-7d9f-abcde</c>.</summary>
    public required string Object { get; init; }

    public required int Count { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>The event's message, shortened to a bounded length.</summary>
    public string? Message { get; init; }
}

namespace Agents.Hosting.Catalog;

/// <summary>What Datadog is asked: metric queries (expanded), the tags of its deploy events and the logs search query.</summary>
public sealed record DatadogQueries
{
    /// <summary>e.g. <c>service:checkout</c>, <c>env:prod</c>: used to filter events.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? ErrorRatio { get; init; }

    /// <summary>Seconds.</summary>
    public string? LatencyP99 { get; init; }

    /// <summary>0..1, or percent when <see cref="SaturationIsPercent"/>.</summary>
    public string? Saturation { get; init; }

    public bool SaturationIsPercent { get; init; }

    /// <summary>A logs search query, e.g. <c>service:checkout status:error</c>; null: logs are not searched.</summary>
    public string? Logs { get; init; }
}

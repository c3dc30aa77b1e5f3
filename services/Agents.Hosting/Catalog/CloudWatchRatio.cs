namespace Agents.Hosting.Catalog;

/// <summary>An error ratio from two CloudWatch count metrics of the entry's namespace and dimensions, both summed.</summary>
public sealed record CloudWatchRatio
{
    /// <summary>The failed requests, e.g. <c>HTTPCode_Target_5XX_Count</c>.</summary>
    public required string Errors { get; init; }

    /// <summary>All requests, e.g. <c>RequestCount</c>.</summary>
    public required string Requests { get; init; }
}

namespace Agents.Context.Sources.CloudWatch;

/// <summary>What <c>GetMetricData</c> answered over all the pages read: the results by query id and the call's own messages.</summary>
internal sealed record GetMetricDataAnswer
{
    public IReadOnlyDictionary<string, MetricDataResult> Results { get; init; } = new Dictionary<string, MetricDataResult>();

    /// <summary>The messages about the whole call (not one result), each as <c>Code: text</c>.</summary>
    public IReadOnlyList<string> Messages { get; init; } = [];

    public int Pages { get; init; }

    /// <summary>True when a <c>NextToken</c> was still offered after the last page allowed.</summary>
    public bool Truncated { get; init; }
}

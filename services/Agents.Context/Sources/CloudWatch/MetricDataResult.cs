using Agents.Contracts.Context;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>
/// One <c>MetricDataResult</c> of a <c>GetMetricData</c> answer, its pages joined: the query's id, its label, its points and
/// how complete they are (<c>Complete</c>, <c>PartialData</c>, <c>InternalError</c>, <c>Forbidden</c>), with CloudWatch's messages.
/// </summary>
internal sealed record MetricDataResult
{
    public required string Id { get; init; }

    public string? Label { get; init; }

    public IReadOnlyList<SeriesPoint> Points { get; init; } = [];

    public string StatusCode { get; init; } = "Complete";

    /// <summary>Each as <c>Code: text</c>.</summary>
    public IReadOnlyList<string> Messages { get; init; } = [];
}

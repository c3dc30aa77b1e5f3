using System.Text.Json.Serialization;

namespace Agents.Hosting.Prometheus;

/// <summary>The <c>data</c> of a range query's answer: <c>{"resultType":"matrix","result":[series...]}</c>.</summary>
public sealed record PrometheusMatrix
{
    public const string MatrixType = "matrix";

    [JsonPropertyName("resultType")]
    public string? ResultType { get; init; }

    [JsonPropertyName("result")]
    public IReadOnlyList<PrometheusRangeSeries>? Result { get; init; }
}

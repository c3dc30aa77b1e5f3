using System.Text.Json.Serialization;

namespace Agents.Hosting.Prometheus;

/// <summary>One series of a matrix: <c>{"metric":{"__name__":...,"label":"value"},"values":[[&lt;unix seconds&gt;,"&lt;value&gt;"],...]}</c>.</summary>
public sealed record PrometheusRangeSeries
{
    [JsonPropertyName("metric")]
    public IReadOnlyDictionary<string, string>? Metric { get; init; }

    [JsonPropertyName("values")]
    public IReadOnlyList<PrometheusSample>? Values { get; init; }
}

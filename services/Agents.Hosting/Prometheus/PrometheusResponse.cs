using System.Text.Json.Serialization;

namespace Agents.Hosting.Prometheus;

/// <summary>
/// The envelope of every Prometheus HTTP API answer: <c>{"status":"success","data":...}</c>, or
/// <c>{"status":"error","errorType":"bad_data","error":"..."}</c> (with 400, 422, 503 ...); <c>warnings</c> may come with either.
/// </summary>
public sealed record PrometheusResponse
{
    public const string Success = "success";

    [JsonPropertyName("status")]
    public string? Status { get; init; }

    [JsonPropertyName("data")]
    public PrometheusMatrix? Data { get; init; }

    [JsonPropertyName("errorType")]
    public string? ErrorType { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("warnings")]
    public IReadOnlyList<string>? Warnings { get; init; }
}

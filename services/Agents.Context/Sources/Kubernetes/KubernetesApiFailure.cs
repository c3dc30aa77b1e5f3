using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Autorest;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// Describes what went wrong with one request to the API server, in words safe to show: the status code and the API's
/// own <c>Status</c> object (<c>403 Forbidden: deployments.apps "checkout" is forbidden: User … cannot get …</c>), or
/// the start of a body that is not one. Never a header value: the client's exception keeps the request and its
/// <c>Authorization</c> header, so it is never passed on as an inner exception.
/// </summary>
internal static class KubernetesApiFailure
{
    public static Exception From(Exception error, string query, TimeSpan clientTimeout, ContextBounds bounds) => error switch
    {
        HttpOperationException { Response: { } response } =>
            new HttpRequestException($"kubernetes: {query} answered {Describe(response.StatusCode, response.Content, bounds)}", null, response.StatusCode),
        HttpRequestException http => new HttpRequestException($"kubernetes: {query} failed: {http.Message}", null, http.StatusCode),
        OperationCanceledException => new TimeoutException($"kubernetes: {query} got no answer within {clientTimeout.TotalSeconds:0} s"),
        JsonException json => new InvalidDataException($"kubernetes: {query} answered something that is not a Kubernetes object: {json.Message}"),
        _ => error,
    };

    /// <summary>Whether <paramref name="error"/> is a failure of the request (reported), rather than a bug or a cancellation.</summary>
    public static bool IsRequestFailure(Exception error, CancellationToken ct) => error switch
    {
        OperationCanceledException => !ct.IsCancellationRequested,
        HttpOperationException or HttpRequestException or JsonException or TimeoutException or InvalidDataException => true,
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };

    public static string Describe(HttpStatusCode status, string? content, ContextBounds bounds)
    {
        var code = (int)status;
        if (!string.IsNullOrWhiteSpace(content))
        {
            try
            {
                if (JsonNode.Parse(content) is JsonObject body
                    && (string?)body["kind"] == "Status"
                    && body["message"] is JsonValue message
                    && message.TryGetValue<string>(out var text))
                {
                    var reason = body["reason"] is JsonValue r && r.TryGetValue<string>(out var why) ? why : status.ToString();
                    return $"{code} {reason}: {bounds.Shorten(text)}";
                }
            }
            catch (JsonException)
            {
                // Not a Status object: the body's start below.
            }
        }

        var excerpt = string.IsNullOrWhiteSpace(content) ? "(empty body)" : bounds.Shorten(content.Trim());
        return $"{code} {status}: {excerpt}";
    }
}

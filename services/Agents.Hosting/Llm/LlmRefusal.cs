using System.ClientModel;
using System.Text.Json;

namespace Agents.Hosting.Llm;

/// <summary>
/// Sorts a failed model call before any retry policy sees it: a refusal by the provider (a 4xx other than 408 and 429:
/// 400 <c>content_filter</c>, <c>context_length_exceeded</c>, an invalid schema or parameter, 401, 403, 404, 422) would
/// be refused again on every retry and paid again, so it fails the step at once with the provider's code and message;
/// anything else (429 and 5xx after the SDK's retries, a timeout, a broken connection) stays an exception, transient.
/// </summary>
public static class LlmRefusal
{
    /// <summary>The longest provider message kept in a failure reason.</summary>
    public const int MaxMessageLength = 300;

    /// <summary>
    /// The failure reason for <paramref name="exception"/> when it is a permanent refusal, e.g. <c>model refused the
    /// request: 400 content_filter: The response was filtered ...</c>; null when it may change on retry.
    /// </summary>
    public static string? Reason(Exception exception)
    {
        if (exception is not ClientResultException { Status: >= 400 and < 500 and not 408 and not 429 } refused)
        {
            return null;
        }

        var (code, message) = Error(refused);
        var text = $"model refused the request: {refused.Status}";
        text += string.IsNullOrWhiteSpace(code) ? "" : $" {code}";
        return string.IsNullOrWhiteSpace(message) ? text : $"{text}: {Shorten(message)}";
    }

    /// <summary>The error's <c>code</c> (else its <c>type</c>) and <c>message</c> from OpenAI's and Azure's <c>{"error": {...}}</c> body.</summary>
    private static (string? Code, string? Message) Error(ClientResultException exception)
    {
        try
        {
            var body = exception.GetRawResponse()?.Content?.ToString();
            if (!string.IsNullOrWhiteSpace(body))
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error)
                    && error.ValueKind == JsonValueKind.Object)
                {
                    return (Text(error, "code") ?? Text(error, "type"), Text(error, "message"));
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: the exception's own message is all there is
        }

        return (null, exception.Message.Split('\n', 2)[0]);
    }

    private static string? Text(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string Shorten(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.Length <= MaxMessageLength ? line : string.Concat(line.AsSpan(0, MaxMessageLength), "...");
    }
}

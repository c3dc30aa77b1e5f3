using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Channels.Webhook;

/// <summary>
/// A generic webhook: each event POSTed as one JSON object to <see cref="WebhookChannelOptions.Url"/>, signed like the
/// ingress's generic webhooks (<see cref="WebhookSignature"/>), with <c>X-Agents-Event</c> and <c>X-Agents-Delivery</c>
/// (the event key: a receiver can drop a delivery it has seen). Retries of 408, 429 (after <c>Retry-After</c>) and 5xx
/// are the named client's (<see cref="ChannelHttp"/>). Not idempotent: the receiver may act twice on a repeat.
/// </summary>
public sealed class WebhookChannel(IHttpClientFactory httpClientFactory, IOptions<WebhookChannelOptions> options, TimeProvider? timeProvider = null)
    : INotificationChannel
{
    public const string ClientName = "webhook";
    public const string EventHeader = "X-Agents-Event";
    public const string DeliveryHeader = "X-Agents-Delivery";

    /// <summary>The summary's length at most; the title, service, team and source: <see cref="FieldLimit"/>.</summary>
    public const int SummaryLimit = 20_000, FieldLimit = 1_000;

    /// <summary>The number of details sent at most, and each one's key and value length at most.</summary>
    public const int DetailsLimit = 100, DetailKeyLimit = 200, DetailValueLimit = 2_000;

    private const int ErrorBodyLimit = 200;

    private readonly WebhookChannelOptions _options = options.Value;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public string Name => "webhook";

    public bool IsConfigured => Endpoint(_options.Url) is not null && !string.IsNullOrEmpty(_options.Secret);

    public bool IsIdempotent => false;

    public string? DefaultTarget => null;

    /// <summary>The receiver as shown in receipts and errors: its name, or the URL's host (the URL may carry a token).</summary>
    private string Label => string.IsNullOrWhiteSpace(_options.Name) ? Endpoint(_options.Url)?.Authority ?? "webhook" : _options.Name.Trim();

    public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(_options.Url);
        if (endpoint is null || string.IsNullOrEmpty(_options.Secret))
        {
            throw new InvalidOperationException("the webhook channel is not configured (Notification:Channels:Webhook:Url and Secret)");
        }

        var body = Body(message);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(_options.Secret, body, _time.GetUtcNow()));
        request.Headers.TryAddWithoutValidation(EventHeader, HeaderValue(message.Event));
        request.Headers.TryAddWithoutValidation(DeliveryHeader, HeaderValue(message.EventKey));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("agents-notification", "1.0"));

        var client = httpClientFactory.CreateClient(ClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException
                                      or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            // The exception's own message may quote the URL (and a token in it): only its kind and our label.
            var reason = e is HttpRequestException { HttpRequestError: var error and not HttpRequestError.Unknown } ? error.ToString() : e.GetType().Name;
            throw new HttpRequestException($"webhook {Label} could not be reached: {reason}", null);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new ChannelReceipt(null, $"webhook {Label} answered {status.ToString(CultureInfo.InvariantCulture)}");
            }

            var text = await Head(response, cancellationToken);
            throw new HttpRequestException(
                $"webhook {Label} answered {status.ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase}{(text.Length > 0 ? ": " + text : string.Empty)}",
                null,
                response.StatusCode);
        }
    }

    /// <summary>
    /// The JSON body: <c>{incidentId, event, eventKey, priority, status, title, summary, severity, service, team, source,
    /// links {incident, trace, runbook}, details, at}</c>, absent values as null.
    /// </summary>
    public static byte[] Body(ChannelMessage message)
    {
        var details = new JsonObject();
        foreach (var (key, value) in message.Details.Take(DetailsLimit))
        {
            details[Cut(key, DetailKeyLimit)] = Cut(value, DetailValueLimit);
        }

        var json = new JsonObject
        {
            ["incidentId"] = message.IncidentId.ToString("D"),
            ["event"] = message.Event,
            ["eventKey"] = message.EventKey,
            ["priority"] = message.Priority,
            ["status"] = message.Status,
            ["title"] = Cut(message.Title, FieldLimit),
            ["summary"] = Cut(message.Summary, SummaryLimit),
            ["severity"] = message.Severity,
            ["service"] = Optional(message.Service),
            ["team"] = Optional(message.Team),
            ["source"] = Optional(message.Source),
            ["links"] = new JsonObject
            {
                ["incident"] = message.IncidentUrl?.AbsoluteUri,
                ["trace"] = message.TraceUrl?.AbsoluteUri,
                ["runbook"] = message.RunbookUrl?.AbsoluteUri,
            },
            ["details"] = details,
            ["at"] = message.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    private static string? Optional(string? text) => text is null ? null : Cut(text, FieldLimit);

    private static Uri? Endpoint(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri : null;

    /// <summary>A header value of visible ASCII only (the event and its key are ours, but a header must never break).</summary>
    private static string HeaderValue(string text)
    {
        var value = new string(text.Where(c => c is >= ' ' and < '\x7f').ToArray()).Trim();
        return value.Length > 500 ? value[..500] : value;
    }

    /// <summary>At most <see cref="ErrorBodyLimit"/> characters of the answer's body, on one line.</summary>
    private static async Task<string> Head(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new char[ErrorBodyLimit + 1];
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
            var text = new string(buffer, 0, read);
            var line = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            return Cut(line, ErrorBodyLimit);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return string.Empty;
        }
    }

    private static string Cut(string text, int limit)
    {
        if (text.Length <= limit)
        {
            return text;
        }

        var keep = limit - 1;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }
}

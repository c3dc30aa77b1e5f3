using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Agents.Notification.Channels.Slack;

/// <summary>
/// Slack through the Web API, one thread per incident: the incident's first event on a target posts the head message
/// (<c>chat.postMessage</c> with Block Kit blocks; the receipt is <c>&lt;channel id&gt;:&lt;ts&gt;</c>); every later event
/// (<see cref="ChannelMessage.ThreadRef"/> set) updates the head to the current status (<c>chat.update</c>) and replies
/// in its thread (<c>chat.postMessage</c> with <c>thread_ts</c>). Alert text is escaped and cut to Slack's limits;
/// links come only from the message's trusted URIs.
/// </summary>
public sealed class SlackChannel(IHttpClientFactory httpClientFactory, IOptions<SlackChannelOptions> options, ILogger<SlackChannel> logger) : INotificationChannel
{
    public const string ChannelName = "slack";

    /// <summary>Block Kit's limits (docs.slack.dev, Block Kit reference: blocks, header, section, context).</summary>
    internal const int MaxBlocks = 50;
    internal const int MaxHeaderText = 150;
    internal const int MaxSectionText = 3000;
    internal const int MaxFields = 10;
    internal const int MaxFieldText = 2000;
    internal const int MaxContextElements = 10;

    /// <summary>chat.postMessage: Slack truncates <c>text</c> past 40,000 characters and advises at most 4,000; the fallback is kept to that.</summary>
    internal const int MaxFallbackText = 4000;

    /// <summary>How many section blocks the summary may take (3,000 characters each).</summary>
    internal const int MaxSummarySections = 4;

    /// <summary>How many field sections the details may take (10 fields each).</summary>
    internal const int MaxDetailSections = 3;

    private readonly SlackChannelOptions _options = options.Value;

    public string Name => ChannelName;

    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(_options.Token)
        && !string.IsNullOrWhiteSpace(_options.Channel)
        && Uri.TryCreate(_options.BaseUrl, UriKind.Absolute, out _);

    /// <summary>Slack has no deduplication of posts: a repeat would be a second message.</summary>
    public bool IsIdempotent => false;

    public string? DefaultTarget => string.IsNullOrWhiteSpace(_options.Channel) ? null : _options.Channel;

    public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IsConfigured)
        {
            throw new InvalidOperationException("The Slack channel is not configured (Notification:Channels:Slack:Token and :Channel).");
        }

        if (string.IsNullOrWhiteSpace(message.ThreadRef))
        {
            var channel = string.IsNullOrWhiteSpace(target) ? DefaultTarget! : target;
            var posted = await CallAsync("chat.postMessage", new JsonObject
            {
                ["channel"] = channel,
                ["text"] = Fallback(message),
                ["blocks"] = HeadBlocks(message),
                ["unfurl_links"] = false,
                ["unfurl_media"] = false,
            }, cancellationToken);
            var channelId = posted["channel"]?.GetValue<string>() ?? channel;
            var ts = posted["ts"]?.GetValue<string>()
                ?? throw new DeliveryUncertainException("Slack chat.postMessage answered ok without a ts: the message was posted but cannot be threaded.");
            logger.LogInformation("Slack: posted the head message of incident {IncidentId} ({Event}) to {Channel} at {Ts}", message.IncidentId, message.Event, channelId, ts);
            return new ChannelReceipt($"{channelId}:{ts}", $"head {ts}");
        }

        var (headChannel, headTs) = ParseThreadRef(message.ThreadRef, target ?? DefaultTarget!);

        // The head first: chat.update is idempotent (retried on 5xx), and when it fails nothing was posted yet.
        await CallAsync("chat.update", new JsonObject
        {
            ["channel"] = headChannel,
            ["ts"] = headTs,
            ["text"] = Fallback(message),
            ["blocks"] = HeadBlocks(message),
        }, cancellationToken);
        var reply = await CallAsync("chat.postMessage", new JsonObject
        {
            ["channel"] = headChannel,
            ["thread_ts"] = headTs,
            ["text"] = Fallback(message),
            ["blocks"] = ReplyBlocks(message),
            ["unfurl_links"] = false,
            ["unfurl_media"] = false,
        }, cancellationToken);
        var replyTs = reply["ts"]?.GetValue<string>();
        logger.LogInformation("Slack: updated the head {Channel}:{Ts} of incident {IncidentId} and replied ({Event}) at {ReplyTs}", headChannel, headTs, message.IncidentId, message.Event, replyTs);
        return new ChannelReceipt(message.ThreadRef, $"reply {replyTs}");
    }

    /// <summary>
    /// The client's retries: a <c>chat.postMessage</c> that may have been processed (5xx, 408, a timeout, a broken
    /// connection) is not sent again, since Slack would show it twice; a 429 (Slack refused it, with
    /// <c>Retry-After</c>) is, after the wait asked. <c>chat.update</c> keeps the standard transient retries.
    /// </summary>
    internal static void ConfigureRetry(HttpStandardResilienceOptions resilience)
    {
        resilience.Retry.ShouldHandle = args =>
        {
            if (args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests })
            {
                return ValueTask.FromResult(true);
            }

#pragma warning disable EXTEXP0001 // GetRequestMessage: the request of this attempt
            var request = args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage();
#pragma warning restore EXTEXP0001
            if (request is null || !IsIdempotentMethod(request.RequestUri))
            {
                return ValueTask.FromResult(false);
            }

            return ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome));
        };
    }

    internal static bool IsIdempotentMethod(Uri? uri) =>
        uri is not null && uri.AbsolutePath.EndsWith("/chat.update", StringComparison.Ordinal);

    /// <summary>
    /// One Web API call. A <c>chat.postMessage</c> that Slack may have acted on without saying so (its body went out and
    /// no answer came, a 5xx other than 503, <c>internal_error</c>, an answer that cannot be read) throws <see cref="DeliveryUncertainException"/>: it
    /// is never posted again. One that certainly did nothing (refused, rate limited, never sent) throws as any call does.
    /// </summary>
    private async Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        if (method != PostMessage)
        {
            return await SendAsync(method, body, cancellationToken);
        }

        var (probe, scope) = RequestProbe.Watch();
        using (scope)
        {
            try
            {
                return await SendAsync(method, body, cancellationToken);
            }
            catch (SlackApiException e) when (e.MayHavePosted)
            {
                throw new DeliveryUncertainException($"{e.Message} The message may have been posted.", e);
            }
            catch (Exception e) when (e is not SlackApiException && probe.MayHaveArrived)
            {
                throw new DeliveryUncertainException($"Slack {method} got no answer ({e.GetType().Name}): the message may have been posted", e);
            }
        }
    }

    private const string PostMessage = "chat.postMessage";

    private async Task<JsonObject> SendAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        var baseUrl = _options.BaseUrl.EndsWith('/') ? _options.BaseUrl : _options.BaseUrl + "/";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUrl), method));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var client = httpClientFactory.CreateClient(ChannelName);
        // Headers first, then the body here: a body that breaks off or stalls after the headers is seen (and bounded) here.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        string text;
        try
        {
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            reading.CancelAfter(ChannelHttp.AttemptTimeout);
            text = await response.Content.ReadAsStringAsync(reading.Token);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            throw new SlackApiException(method, "unreadable_response", $"Slack {method} answered HTTP {(int)response.StatusCode} and the answer could not be read ({e.GetType().Name}).",
                mayHavePosted: response.IsSuccessStatusCode || IsUncertainStatus(response.StatusCode));
        }

        JsonObject? answer = null;
        try
        {
            answer = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): reported by status below.
        }

        var error = answer?["error"] is JsonValue value && value.TryGetValue<string>(out var code) ? code : null;
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? $", Retry-After {delta.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s" : string.Empty;
            throw new SlackApiException(method, error ?? (response.StatusCode == HttpStatusCode.TooManyRequests ? "ratelimited" : $"http_{status}"),
                $"Slack {method} failed: HTTP {status}{(error is null ? string.Empty : $" ({error})")}{retryAfter}.", mayHavePosted: IsUncertainStatus(response.StatusCode));
        }

        if (answer is null)
        {
            throw new SlackApiException(method, "invalid_response", $"Slack {method} answered HTTP {(int)response.StatusCode} without a JSON object.", mayHavePosted: true);
        }

        if (answer["ok"] is not JsonValue ok || !ok.TryGetValue<bool>(out var okValue) || !okValue)
        {
            // Slack documents these two as "some aspect of the operation may have succeeded".
            throw new SlackApiException(method, error ?? "unknown_error", $"Slack {method} failed: {error ?? "unknown_error"}.",
                mayHavePosted: error is "internal_error" or "fatal_error");
        }

        if (answer["response_metadata"]?["warnings"] is JsonArray warnings && warnings.Count > 0)
        {
            logger.LogWarning("Slack {Method} warned: {Warnings}", method, string.Join(", ", warnings.Select(w => w?.ToString())));
        }

        return answer;
    }

    /// <summary>
    /// A 5xx: Slack may have done what was asked before it failed to answer. Not a 503 (Slack, or a proxy in front of it,
    /// took nothing while unavailable), nor a 408 (the request never arrived whole): those are sent again.
    /// </summary>
    private static bool IsUncertainStatus(HttpStatusCode status) => (int)status >= 500 && status != HttpStatusCode.ServiceUnavailable;

    private static (string Channel, string Ts) ParseThreadRef(string threadRef, string target)
    {
        var colon = threadRef.LastIndexOf(':');
        return colon > 0 && colon < threadRef.Length - 1
            ? (threadRef[..colon], threadRef[(colon + 1)..])
            : (target, threadRef);
    }

    internal static string EventLabel(string @event) => @event switch
    {
        "escalation" => "Escalated",
        "emergency" => "Emergency",
        "resolution" => "Resolved",
        "low-priority" => "Low priority",
        "approval-request" => "Approval requested",
        ChannelEvents.Acknowledged => "Acknowledged",
        ChannelEvents.ResolvedByOperator => "Resolved by an operator",
        ChannelEvents.NoConsensus => "No consensus",
        _ => @event,
    };

    /// <summary>The notification text (mobile pushes, screen readers): escaped, cut to the advised size.</summary>
    internal static string Fallback(ChannelMessage message)
    {
        var text = $"{message.Title}\n{EventLabel(message.Event)}, status {message.Status}\n{message.Summary}";
        return SlackText.Fit(text, MaxFallbackText);
    }

    /// <summary>The head: title, status facts, summary, details, links, and when it was last updated.</summary>
    internal static JsonArray HeadBlocks(ChannelMessage message)
    {
        var blocks = new List<JsonObject>
        {
            new()
            {
                ["type"] = "header",
                ["text"] = PlainText(SlackText.Fit(message.Title, MaxHeaderText)),
            },
            Fields(Facts(message)),
        };
        blocks.AddRange(Body(message));
        blocks.Add(Context(message));
        return Cap(blocks);
    }

    /// <summary>A reply in the head's thread: what happened, then the event's summary, details and links.</summary>
    internal static JsonArray ReplyBlocks(ChannelMessage message)
    {
        var blocks = new List<JsonObject>
        {
            new()
            {
                ["type"] = "section",
                ["text"] = new JsonObject
                {
                    ["type"] = "mrkdwn",
                    ["text"] = SlackText.Fit($"*{SlackText.Escape(EventLabel(message.Event))}* · status *{SlackText.Escape(message.Status)}*", MaxSectionText),
                },
            },
        };
        blocks.AddRange(Body(message));
        blocks.Add(Context(message));
        return Cap(blocks);
    }

    private static IEnumerable<string> Facts(ChannelMessage message)
    {
        yield return $"Status: {message.Status}";
        yield return $"Severity: {message.Severity ?? "not triaged"}";
        yield return $"Priority: {message.Priority}";
        if (!string.IsNullOrWhiteSpace(message.Service))
        {
            yield return $"Service: {message.Service}";
        }

        if (!string.IsNullOrWhiteSpace(message.Team))
        {
            yield return $"Team: {message.Team}";
        }

        if (!string.IsNullOrWhiteSpace(message.Source))
        {
            yield return $"Source: {message.Source}";
        }
    }

    private static IEnumerable<JsonObject> Body(ChannelMessage message)
    {
        if (!string.IsNullOrWhiteSpace(message.Summary))
        {
            foreach (var chunk in SlackText.Chunks(message.Summary.Trim(), MaxSectionText, MaxSummarySections))
            {
                if (!string.IsNullOrWhiteSpace(chunk))
                {
                    yield return new JsonObject { ["type"] = "section", ["text"] = PlainText(chunk) };
                }
            }
        }

        var details = message.Details.Where(d => !string.IsNullOrWhiteSpace(d.Key)).ToList();
        var shown = details.Take(MaxFields * MaxDetailSections).ToList();
        foreach (var group in shown.Chunk(MaxFields))
        {
            yield return Fields(group.Select(d => $"{d.Key}: {d.Value}"));
        }

        if (details.Count > shown.Count)
        {
            yield return new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(PlainText($"{details.Count - shown.Count} more details not shown")),
            };
        }

        var links = new[]
        {
            SlackText.Link(message.IncidentUrl, "Incident"),
            SlackText.Link(message.TraceUrl, "Trace"),
            SlackText.Link(message.RunbookUrl, "Runbook"),
        }.Where(l => l is not null && l.Length <= MaxSectionText / 3).ToList();
        if (links.Count > 0)
        {
            yield return new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = string.Join("  ·  ", links) },
            };
        }
    }

    private static JsonObject Context(ChannelMessage message) => new()
    {
        ["type"] = "context",
        ["elements"] = new JsonArray(
            PlainText(SlackText.Fit($"{EventLabel(message.Event)} · {SlackText.Time(message.At)}", MaxSectionText)),
            PlainText($"Incident {message.IncidentId}")),
    };

    private static JsonObject Fields(IEnumerable<string> facts) => new()
    {
        ["type"] = "section",
        ["fields"] = new JsonArray(facts.Take(MaxFields).Select(f => (JsonNode)PlainText(SlackText.Fit(f, MaxFieldText))).ToArray()),
    };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static JsonArray Cap(List<JsonObject> blocks) =>
        new(blocks.Take(MaxBlocks).Select(b => (JsonNode)b).ToArray());
}

/// <summary>A Slack Web API call that failed: <see cref="Error"/> is Slack's error code (<c>channel_not_found</c>, <c>ratelimited</c>, <c>http_500</c> …).</summary>
public sealed class SlackApiException(string method, string error, string message, bool mayHavePosted = false) : Exception(message)
{
    public string Method { get; } = method;

    public string Error { get; } = error;

    /// <summary>Whether Slack may have acted on the call although it answered an error (a 5xx other than 503, <c>internal_error</c> or <c>fatal_error</c>, an unreadable answer).</summary>
    public bool MayHavePosted { get; } = mayHavePosted;
}

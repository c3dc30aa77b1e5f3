using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local Slack Web API, as far as a bot posting incident threads goes: <c>POST /api/chat.postMessage</c> (a new
/// message, or a thread reply with <c>thread_ts</c>) and <c>POST /api/chat.update</c>. Like Slack it answers HTTP 200
/// with <c>{"ok":false,"error":…}</c> for every refusal: <c>not_authed</c>/<c>invalid_auth</c> (the bearer
/// <see cref="Token"/>), <c>invalid_form_data</c> (not JSON), <c>channel_not_found</c>, <c>no_text</c> (neither text
/// nor blocks), <c>invalid_blocks</c> (more than 50 blocks, a header over 150 characters, a section text over 3,000, more
/// than 10 fields or one over 2,000, more than 10 context elements, an unknown block or text type, an empty text),
/// <c>msg_too_long</c> (text over 40,000), <c>message_not_found</c> (chat.update of an unknown ts),
/// <c>thread_not_found</c> (an unknown thread_ts); a JSON body without <c>charset=utf-8</c> gets Slack's
/// <c>missing_charset</c> warning. It keeps each channel's messages and their threads, records every call, and can be
/// scripted (<see cref="Then"/>, <see cref="Responder"/>) to answer 429 with Retry-After, a 5xx or any ok:false error.
/// Standalone: <c>await FakeSlack.Start()</c>, then point <c>Notification__Channels__Slack__BaseUrl</c> at
/// <see cref="BaseUrl"/>.
/// </summary>
internal sealed class FakeSlack : IAsyncDisposable
{
    public const string Token = "xoxb-1111111111-2222222222-FakeSlackBotTok3n";

    /// <summary>The channel every fake starts with: id <see cref="IncidentsChannelId"/>, name <c>incidents</c>.</summary>
    public const string IncidentsChannelId = "C0INCIDENT1";

    private static readonly string[] BlockTypes = ["header", "section", "context", "divider", "actions"];
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _channelsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Message>> _messages = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Reply> _script = new();
    private long _clock = 1_790_000_000_000_000;

    private FakeSlack(WebApplication app)
    {
        _app = app;
        AddChannel(IncidentsChannelId, "incidents");
    }

    /// <summary>The Web API base address, ending in <c>/api/</c> like <c>https://slack.com/api/</c>.</summary>
    public string BaseUrl { get; private set; } = null!;

    /// <summary>Every call received, in order.</summary>
    public ConcurrentQueue<Call> Calls { get; } = new();

    /// <summary>Answers an authorised call in place of the API, or null to answer normally (after the script).</summary>
    public Func<Call, Reply?>? Responder { get; set; }

    /// <summary>Calls for which the fake never answers, until the caller gives up (for a kill mid-delivery).</summary>
    public Func<Call, bool>? HoldUntilAborted { get; set; }

    /// <summary>One received call: the method (<c>chat.postMessage</c>), the headers (names lower-case) and the JSON body (null when not JSON).</summary>
    public sealed record Call(string Method, IReadOnlyDictionary<string, string> Headers, string RawBody, JsonObject? Body)
    {
        public string? Str(string name) => Body?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        /// <summary>Every text of the call: <c>text</c> and each text object in its blocks (header, section, fields, context).</summary>
        public IEnumerable<(string Type, string Text)> Texts()
        {
            if (Str("text") is { } text)
            {
                yield return ("text", text);
            }

            foreach (var block in (Body?["blocks"] as JsonArray ?? []).OfType<JsonObject>())
            {
                foreach (var node in TextObjects(block))
                {
                    yield return (node["type"]?.ToString() ?? "?", node["text"]?.ToString() ?? string.Empty);
                }
            }
        }
    }

    /// <summary>A scripted answer: status, JSON body, headers (e.g. Retry-After).</summary>
    public sealed record Reply(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

    /// <summary>A message as Slack keeps it (after updates); <see cref="Replies"/> is its thread.</summary>
    public sealed record Message(string Channel, string Ts, string? ThreadTs, JsonObject Body)
    {
        public List<Message> Replies { get; } = [];

        public JsonObject Body { get; set; } = Body;

        public int Edits { get; set; }
    }

    public static async Task<FakeSlack> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeSlack(app);
        app.MapPost("/api/{method}", http => fake.Handle(http, (string)http.GetRouteValue("method")!));
        await app.StartAsync();
        fake.BaseUrl = new Uri(new Uri(app.Urls.Single()), "/api/").ToString();
        return fake;
    }

    public void AddChannel(string id, string name)
    {
        lock (_gate)
        {
            _channelsByName[name] = id;
            _messages.TryAdd(id, []);
        }
    }

    /// <summary>The next unscripted call gets <paramref name="reply"/> (in order; each reply is used once).</summary>
    public FakeSlack Then(Reply reply)
    {
        _script.Enqueue(reply);
        return this;
    }

    public static Reply Error(string error) => new(HttpStatusCode.OK, new JsonObject { ["ok"] = false, ["error"] = error }.ToJsonString());

    public static Reply RateLimited(int retryAfterSeconds) => new(
        HttpStatusCode.TooManyRequests,
        new JsonObject { ["ok"] = false, ["error"] = "ratelimited" }.ToJsonString(),
        new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(CultureInfo.InvariantCulture) });

    public static Reply ServerError(HttpStatusCode status = HttpStatusCode.InternalServerError) =>
        new(status, new JsonObject { ["ok"] = false, ["error"] = "internal_error" }.ToJsonString());

    /// <summary>The top-level messages of a channel (by id), oldest first, copied.</summary>
    public IReadOnlyList<Message> Messages(string channelId)
    {
        lock (_gate)
        {
            return _messages.TryGetValue(channelId, out var list) ? list.ToList() : [];
        }
    }

    public IReadOnlyList<Message> Replies(string channelId, string ts)
    {
        lock (_gate)
        {
            return Find(channelId, ts)?.Replies.ToList() ?? [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IEnumerable<JsonObject> TextObjects(JsonObject block)
    {
        if (block["text"] is JsonObject text)
        {
            yield return text;
        }

        foreach (var name in new[] { "fields", "elements" })
        {
            foreach (var element in (block[name] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (element["type"]?.ToString() is "plain_text" or "mrkdwn")
                {
                    yield return element;
                }
                else if (element["text"] is JsonObject inner)
                {
                    yield return inner;
                }
            }
        }
    }

    private async Task Handle(HttpContext http, string method)
    {
        using var reader = new StreamReader(http.Request.Body);
        var raw = await reader.ReadToEndAsync();
        var contentType = http.Request.ContentType ?? string.Empty;
        JsonObject? body = null;
        if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                body = JsonNode.Parse(raw) as JsonObject;
            }
            catch (JsonException)
            {
                body = null;
            }
        }

        var call = new Call(method, http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal), raw, body);
        Calls.Enqueue(call);
        if (HoldUntilAborted?.Invoke(call) == true)
        {
            // Slack has the message but its answer never comes: the sender dies waiting (a kill mid-delivery).
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var reply = Authorise(call)
            ?? Responder?.Invoke(call)
            ?? (_script.TryDequeue(out var scripted) ? scripted : null)
            ?? Answer(call, contentType);
        http.Response.StatusCode = (int)reply.Status;
        http.Response.ContentType = "application/json; charset=utf-8";
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            http.Response.Headers[name] = value;
        }

        await http.Response.WriteAsync(reply.Body);
    }

    private static Reply? Authorise(Call call)
    {
        var authorization = call.Headers.GetValueOrDefault("authorization");
        if (string.IsNullOrEmpty(authorization))
        {
            return Error("not_authed");
        }

        return authorization == $"Bearer {Token}" ? null : Error("invalid_auth");
    }

    private Reply Answer(Call call, string contentType)
    {
        if (call.Body is null)
        {
            return Error("invalid_form_data");
        }

        var warnings = contentType.Contains("charset=utf-8", StringComparison.OrdinalIgnoreCase) ? null : "missing_charset";
        return call.Method switch
        {
            "chat.postMessage" => PostMessage(call.Body, warnings),
            "chat.update" => Update(call.Body, warnings),
            _ => new Reply(HttpStatusCode.NotFound, new JsonObject { ["ok"] = false, ["error"] = "unknown_method" }.ToJsonString()),
        };
    }

    private Reply PostMessage(JsonObject body, string? warning)
    {
        if (Check(body) is { } refused)
        {
            return refused;
        }

        lock (_gate)
        {
            if (ChannelId(body["channel"]?.ToString()) is not { } channel)
            {
                return Error("channel_not_found");
            }

            var threadTs = body["thread_ts"]?.ToString();
            var ts = NextTs();
            var message = new Message(channel, ts, threadTs, (JsonObject)body.DeepClone());
            if (threadTs is null)
            {
                _messages[channel].Add(message);
            }
            else if (Find(channel, threadTs) is { ThreadTs: null } parent)
            {
                parent.Replies.Add(message);
            }
            else
            {
                return Error("thread_not_found");
            }

            return Ok(new JsonObject { ["ok"] = true, ["channel"] = channel, ["ts"] = ts, ["message"] = MessageJson(body, ts, threadTs) }, warning);
        }
    }

    private Reply Update(JsonObject body, string? warning)
    {
        if (Check(body) is { } refused)
        {
            return refused;
        }

        lock (_gate)
        {
            // chat.update takes the channel's id only.
            var channel = body["channel"]?.ToString();
            if (channel is null || !_messages.ContainsKey(channel))
            {
                return Error("channel_not_found");
            }

            var ts = body["ts"]?.ToString();
            if (ts is null || Find(channel, ts) is not { } message)
            {
                return Error("message_not_found");
            }

            message.Body = (JsonObject)body.DeepClone();
            message.Edits++;
            return Ok(new JsonObject { ["ok"] = true, ["channel"] = channel, ["ts"] = ts, ["text"] = body["text"]?.DeepClone() }, warning);
        }
    }

    private static Reply? Check(JsonObject body)
    {
        if (body["channel"] is not JsonValue)
        {
            return Error("channel_not_found");
        }

        var text = body["text"]?.ToString();
        var blocks = body["blocks"] as JsonArray;
        if (string.IsNullOrEmpty(text) && (blocks is null || blocks.Count == 0))
        {
            return Error("no_text");
        }

        if (text is { Length: > 40_000 })
        {
            return Error("msg_too_long");
        }

        return blocks is null || BlocksValid(blocks) ? null : Error("invalid_blocks");
    }

    private static bool BlocksValid(JsonArray blocks)
    {
        if (blocks.Count > 50)
        {
            return false;
        }

        foreach (var node in blocks)
        {
            if (node is not JsonObject block || block["type"]?.ToString() is not { } type || !BlockTypes.Contains(type))
            {
                return false;
            }

            var valid = type switch
            {
                "header" => TextValid(block["text"], 150, plainOnly: true),
                "section" => (block["text"] is null || TextValid(block["text"], 3000))
                    && (block["fields"] is null || (block["fields"] is JsonArray { Count: > 0 and <= 10 } fields && fields.All(f => TextValid(f, 2000))))
                    && (block["text"] is not null || block["fields"] is not null),
                "context" => block["elements"] is JsonArray { Count: > 0 and <= 10 } elements && elements.All(e => TextValid(e, 3000)),
                _ => true,
            };
            if (!valid)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TextValid(JsonNode? node, int limit, bool plainOnly = false) =>
        node is JsonObject text
        && text["type"]?.ToString() is { } type
        && (type == "plain_text" || (!plainOnly && type == "mrkdwn"))
        && text["text"]?.ToString() is { Length: > 0 } value
        && value.Length <= limit;

    private static Reply Ok(JsonObject answer, string? warning)
    {
        if (warning is not null)
        {
            answer["response_metadata"] = new JsonObject { ["warnings"] = new JsonArray(warning) };
            answer["warning"] = warning;
        }

        return new Reply(HttpStatusCode.OK, answer.ToJsonString());
    }

    private static JsonObject MessageJson(JsonObject body, string ts, string? threadTs)
    {
        var message = new JsonObject { ["type"] = "message", ["subtype"] = "bot_message", ["ts"] = ts, ["text"] = body["text"]?.DeepClone(), ["blocks"] = body["blocks"]?.DeepClone() };
        if (threadTs is not null)
        {
            message["thread_ts"] = threadTs;
        }

        return message;
    }

    private string? ChannelId(string? channel)
    {
        if (channel is null)
        {
            return null;
        }

        if (_messages.ContainsKey(channel))
        {
            return channel;
        }

        return _channelsByName.TryGetValue(channel.TrimStart('#'), out var id) ? id : null;
    }

    private Message? Find(string channel, string ts)
    {
        if (!_messages.TryGetValue(channel, out var list))
        {
            return null;
        }

        foreach (var message in list)
        {
            if (message.Ts == ts)
            {
                return message;
            }

            if (message.Replies.FirstOrDefault(r => r.Ts == ts) is { } reply)
            {
                return reply;
            }
        }

        return null;
    }

    private string NextTs()
    {
        var micros = Interlocked.Add(ref _clock, 100);
        return (micros / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (micros % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }
}

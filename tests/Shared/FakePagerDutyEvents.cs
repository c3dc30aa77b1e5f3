using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local PagerDuty Events API v2: <c>POST /v2/enqueue</c>. It checks what the documentation requires (a 32-character
/// <c>routing_key</c>, <c>event_action</c> trigger/acknowledge/resolve, <c>dedup_key</c> at most 255 characters and
/// required for acknowledge/resolve, for a trigger <c>payload.summary</c> (at most 1024 characters), <c>payload.source</c>
/// and <c>payload.severity</c> in critical/error/warning/info, links with an <c>href</c>, the whole event at most 512 KB)
/// and answers 202 <c>{"status":"success","message":"Event processed","dedup_key":...}</c> or 400
/// <c>{"status":"invalid event","message":"Event object is invalid","errors":[...]}</c>. It keeps the alerts by dedup key
/// as PagerDuty does: a trigger on an open alert adds to it, a trigger after it was resolved opens a new one,
/// acknowledge/resolve without an open alert are dropped. <see cref="Script"/> queues answers (429, 500, 400...).
/// </summary>
internal sealed class FakePagerDutyEvents : IAsyncDisposable
{
    /// <summary>An integration key of the right shape (32 characters).</summary>
    public const string RoutingKey = "R0UT1NGKEYfake0000pagerduty00042";

    public const int BodyLimitBytes = 512 * 1024;

    private static readonly string[] Actions = ["trigger", "acknowledge", "resolve"];
    private static readonly string[] Severities = ["critical", "error", "warning", "info"];

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _script = new();
    private readonly List<Alert> _alerts = [];
    private readonly Lock _gate = new();

    private FakePagerDutyEvents(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received, in order (scripted answers included).</summary>
    public ConcurrentQueue<Request> Requests { get; } = new();

    public sealed record Request(string Path, string Body, IReadOnlyDictionary<string, string> Headers, HttpStatusCode Answered)
    {
        public JsonObject? Json => JsonNode.Parse(Body) as JsonObject;
    }

    public sealed record Reply(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

    /// <summary>An alert as PagerDuty keeps it: its dedup key, state and the events applied to it.</summary>
    public sealed class Alert(string dedupKey, JsonObject trigger)
    {
        public string DedupKey { get; } = dedupKey;

        public string State { get; internal set; } = "triggered";

        public JsonObject Trigger { get; } = trigger;

        public int Triggers { get; internal set; } = 1;

        public List<string> Log { get; } = ["trigger"];
    }

    /// <summary>A snapshot of the alerts, oldest first.</summary>
    public IReadOnlyList<Alert> Alerts
    {
        get
        {
            lock (_gate)
            {
                return [.. _alerts];
            }
        }
    }

    public static async Task<FakePagerDutyEvents> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 8 * 1024 * 1024);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakePagerDutyEvents(app);
        app.MapPost("/v2/enqueue", fake.Handle);
        await app.StartAsync();
        fake.BaseUrl = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>Queues answers given, in order, in place of the next requests'.</summary>
    public void Script(params Reply[] replies)
    {
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }
    }

    /// <summary>429 as PagerDuty sends it (no body, and no Retry-After unless given).</summary>
    public static Reply TooManyRequests(int? retryAfterSeconds = null) => new(
        HttpStatusCode.TooManyRequests,
        string.Empty,
        retryAfterSeconds is { } s ? new Dictionary<string, string> { ["Retry-After"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null);

    public static Reply ServerError() => new(HttpStatusCode.InternalServerError, "{\"status\":\"error\",\"message\":\"Internal Server Error\"}");

    public static Reply Invalid(params string[] errors) => new(HttpStatusCode.BadRequest, new JsonObject
    {
        ["status"] = "invalid event",
        ["message"] = "Event object is invalid",
        ["errors"] = new JsonArray(errors.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
    }.ToJsonString());

    private async Task Handle(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var reply = _script.TryDequeue(out var scripted) ? scripted : Answer(http, body);
        Requests.Enqueue(new Request(
            http.Request.Path.Value ?? "/",
            body,
            http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            reply.Status));
        http.Response.StatusCode = (int)reply.Status;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            http.Response.Headers[name] = value;
        }

        if (reply.Body.Length > 0)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(reply.Body);
        }
    }

    private Reply Answer(HttpContext http, string body)
    {
        if (Encoding.UTF8.GetByteCount(body) > BodyLimitBytes)
        {
            return Invalid($"Event object is too large: limit is {BodyLimitBytes} bytes");
        }

        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Invalid("Content-Type must be application/json");
        }

        JsonObject? json;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            json = null;
        }

        if (json is null)
        {
            return new Reply(HttpStatusCode.BadRequest, "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\",\"errors\":[\"Malformed JSON\"]}");
        }

        var errors = new List<string>();
        var routingKey = Str(json["routing_key"]);
        if (routingKey is null)
        {
            errors.Add("'routing_key' is missing or blank");
        }
        else if (routingKey.Length != 32)
        {
            errors.Add("Length of 'routing_key' is incorrect (should be 32 characters)");
        }

        var action = Str(json["event_action"]);
        if (action is null || !Actions.Contains(action))
        {
            errors.Add("'event_action' is missing or invalid (should be trigger, acknowledge or resolve)");
        }

        var dedupKey = Str(json["dedup_key"]);
        if (dedupKey is { Length: > 255 })
        {
            errors.Add("'dedup_key' is too long (should be at most 255 characters)");
        }
        else if (dedupKey is null && action is "acknowledge" or "resolve")
        {
            errors.Add("'dedup_key' is missing or blank");
        }

        if (action == "trigger")
        {
            var payload = json["payload"] as JsonObject;
            if (payload is null)
            {
                errors.Add("'payload' is missing or not an object");
            }
            else
            {
                var summary = Str(payload["summary"]);
                if (summary is null)
                {
                    errors.Add("'payload.summary' is missing or blank");
                }
                else if (summary.Length > 1024)
                {
                    errors.Add("'payload.summary' is too long (should be at most 1024 characters)");
                }

                if (Str(payload["source"]) is null)
                {
                    errors.Add("'payload.source' is missing or blank");
                }

                if (Str(payload["severity"]) is not { } severity || !Severities.Contains(severity))
                {
                    errors.Add("'payload.severity' is missing or invalid (should be critical, error, warning or info)");
                }

                if (payload["custom_details"] is { } details && details is not JsonObject)
                {
                    errors.Add("'payload.custom_details' must be an object");
                }
            }

            if (json["links"] is JsonArray links && links.Any(l => Str(l?["href"]) is null))
            {
                errors.Add("'links' entries must have an 'href'");
            }
        }

        if (errors.Count > 0)
        {
            return Invalid([.. errors]);
        }

        dedupKey ??= Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            var open = _alerts.LastOrDefault(a => a.DedupKey == dedupKey && a.State != "resolved");
            switch (action)
            {
                case "trigger" when open is null:
                    _alerts.Add(new Alert(dedupKey, json));
                    break;
                case "trigger":
                    open.Triggers++;
                    open.Log.Add("trigger");
                    break;
                case "acknowledge" when open is not null:
                    open.State = "acknowledged";
                    open.Log.Add("acknowledge");
                    break;
                case "resolve" when open is not null:
                    open.State = "resolved";
                    open.Log.Add("resolve");
                    break;
            }
        }

        return new Reply(HttpStatusCode.Accepted, new JsonObject { ["status"] = "success", ["message"] = "Event processed", ["dedup_key"] = dedupKey }.ToJsonString());
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

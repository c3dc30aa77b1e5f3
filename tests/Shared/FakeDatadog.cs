using System.Collections.Concurrent;
using System.Globalization;
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
/// A local server speaking the three Datadog API endpoints the context source uses, as Datadog's API reference describes
/// them:
/// <list type="bullet">
/// <item><c>GET /api/v1/query?from&amp;to&amp;query</c> (Unix seconds, required, from before to): the series stored for that exact
/// query (<see cref="AddSeries"/>) cut to the range, <c>{"status":"ok","res_type":"time_series","series":[{"pointlist":[[ms, v]],"scope",…}]}</c>.</item>
/// <item><c>GET /api/v1/events?start&amp;end[&amp;tags]</c> (Unix seconds, required): the events stored (<see cref="AddEvent"/>) in the range
/// that carry at least one of the tags asked for, newest first, at most 1000: <c>{"events":[…],"status":"ok"}</c>.</item>
/// <item><c>POST /api/v2/logs/events/search</c> (<c>Content-Type: application/json</c>): the logs stored (<see cref="AddLog"/>) in
/// <c>filter.from</c>..<c>filter.to</c>, sorted by <c>sort</c>, <c>page.limit</c> at most 1000 a page, the next page from the
/// cursor <c>meta.page.after</c> (sent back as <c>page.cursor</c>). It does not evaluate the search query.</item>
/// </list>
/// Every call needs <c>DD-API-KEY</c> and <c>DD-APPLICATION-KEY</c> equal to the keys it was started with, else 403
/// <c>{"errors":["Forbidden"]}</c>; a request it cannot accept gets 400 <c>{"errors":["…"]}</c>. Each endpoint can be told to
/// fail (<see cref="Fail"/>, also for one metrics query: <see cref="FailQuery"/>), and all can answer late
/// (<see cref="Delay"/>) or with malformed JSON (<see cref="Malformed"/>). Compiled into each test project that needs it.
/// </summary>
internal sealed class FakeDatadog : IAsyncDisposable
{
    public const string Metrics = "metrics";
    public const string Events = "events";
    public const string Logs = "logs";

    private readonly WebApplication _app;
    private readonly string _apiKey;
    private readonly string _applicationKey;
    private readonly ConcurrentDictionary<string, List<StoredSeries>> _series = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<StoredEvent> _events = [];
    private readonly ConcurrentBag<StoredLog> _logs = [];
    private readonly ConcurrentDictionary<string, (HttpStatusCode, string)> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (HttpStatusCode, string)> _queryFailures = new(StringComparer.Ordinal);

    private FakeDatadog(WebApplication app, string apiKey, string applicationKey)
    {
        _app = app;
        _apiKey = apiKey;
        _applicationKey = applicationKey;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>How long to wait before answering any call (the wait ends when the client gives up).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The endpoints (<see cref="Metrics"/>, <see cref="Events"/>, <see cref="Logs"/>) that answer 200 with a body that is not JSON.</summary>
    public ConcurrentDictionary<string, bool> Malformed { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>One request as received: method, path, query parameters, headers and body (empty for a GET).</summary>
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body);

    private sealed record StoredSeries(string Scope, IReadOnlyList<string> TagSet, IReadOnlyList<(DateTimeOffset At, double? Value)> Points);

    private sealed record StoredEvent(long Id, DateTimeOffset At, string Title, string Text, IReadOnlyList<string> Tags);

    private sealed record StoredLog(string Id, DateTimeOffset At, string Message, string Status, string Service);

    public static async Task<FakeDatadog> Start(string apiKey, string applicationKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeDatadog(app, apiKey, applicationKey);
        app.MapGet("/api/v1/query", http => fake.Handle(http, Metrics, fake.QueryMetrics));
        app.MapGet("/api/v1/events", http => fake.Handle(http, Events, fake.ListEvents));
        app.MapPost("/api/v2/logs/events/search", http => fake.Handle(http, Logs, fake.SearchLogs));
        await app.StartAsync();
        fake.Url = new Uri(app.Urls.Single());
        return fake;
    }

    /// <summary>A series answered to exactly <paramref name="query"/> (points with a null value are sent as null).</summary>
    public FakeDatadog AddSeries(string query, string scope, IEnumerable<(DateTimeOffset At, double? Value)> points, IReadOnlyList<string>? tagSet = null)
    {
        _series.GetOrAdd(query, _ => []).Add(new StoredSeries(scope, tagSet ?? [], points.ToList()));
        return this;
    }

    public FakeDatadog AddEvent(DateTimeOffset at, string title, IReadOnlyList<string> tags, string text = "")
    {
        _events.Add(new StoredEvent(_events.Count + 1, at, title, text, tags));
        return this;
    }

    public FakeDatadog AddLog(DateTimeOffset at, string message, string status = "error", string service = "checkout")
    {
        _logs.Add(new StoredLog($"AQAAAY{_logs.Count:D8}", at, message, status, service));
        return this;
    }

    /// <summary>Makes <paramref name="endpoint"/> answer <paramref name="status"/> with <c>{"errors":[<paramref name="error"/>]}</c>.</summary>
    public FakeDatadog Fail(string endpoint, HttpStatusCode status, string error)
    {
        _failures[endpoint] = (status, error);
        return this;
    }

    /// <summary>Makes the metrics query <paramref name="query"/> (only it) answer <paramref name="status"/> with <c>{"errors":[<paramref name="error"/>]}</c>.</summary>
    public FakeDatadog FailQuery(string query, HttpStatusCode status, string error)
    {
        _queryFailures[query] = (status, error);
        return this;
    }

    private async Task Handle(HttpContext http, string endpoint, Func<HttpContext, string, Task> answer)
    {
        string body;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(http.RequestAborted);
        }

        Requests.Enqueue(new Request(
            http.Request.Method,
            http.Request.Path,
            http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body));

        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up
            }
        }

        if (http.Request.Headers["DD-API-KEY"].ToString() != _apiKey || http.Request.Headers["DD-APPLICATION-KEY"].ToString() != _applicationKey)
        {
            await Errors(http, HttpStatusCode.Forbidden, "Forbidden");
            return;
        }

        if (_failures.TryGetValue(endpoint, out var failure))
        {
            await Errors(http, failure.Item1, failure.Item2);
            return;
        }

        if (Malformed.GetValueOrDefault(endpoint))
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"status\":\"ok\",\"ser");
            return;
        }

        await answer(http, body);
    }

    private async Task QueryMetrics(HttpContext http, string body)
    {
        var query = http.Request.Query["query"].ToString();
        if (!TrySeconds(http, "from", out var from) || !TrySeconds(http, "to", out var to) || string.IsNullOrWhiteSpace(query))
        {
            await Errors(http, HttpStatusCode.BadRequest, "Missing or invalid required argument(s): from, to (Unix seconds) and query are required");
            return;
        }

        if (from >= to)
        {
            await Errors(http, HttpStatusCode.BadRequest, "Invalid time range: 'from' must be before 'to'");
            return;
        }

        if (_queryFailures.TryGetValue(query, out var failure))
        {
            await Errors(http, failure.Item1, failure.Item2);
            return;
        }

        var series = new JsonArray();
        foreach (var stored in _series.GetValueOrDefault(query) ?? [])
        {
            var points = stored.Points.Where(p => p.At >= from && p.At <= to).OrderBy(p => p.At).ToList();
            var pointlist = new JsonArray();
            foreach (var (at, value) in points)
            {
                pointlist.Add(new JsonArray((double)at.ToUnixTimeMilliseconds(), value is { } v ? JsonValue.Create(v) : null));
            }

            series.Add(new JsonObject
            {
                ["aggr"] = "avg",
                ["metric"] = query.Split('{')[0].Split(':')[^1],
                ["display_name"] = query,
                ["expression"] = query,
                ["scope"] = stored.Scope,
                ["tag_set"] = new JsonArray(stored.TagSet.Select(t => (JsonNode?)t).ToArray()),
                ["pointlist"] = pointlist,
                ["length"] = points.Count,
                ["interval"] = 60,
                ["start"] = points.Count > 0 ? points[0].At.ToUnixTimeMilliseconds() : from.ToUnixTimeMilliseconds(),
                ["end"] = points.Count > 0 ? points[^1].At.ToUnixTimeMilliseconds() : to.ToUnixTimeMilliseconds(),
                ["unit"] = null,
            });
        }

        await Json(http, new JsonObject
        {
            ["status"] = "ok",
            ["res_type"] = "time_series",
            ["query"] = query,
            ["from_date"] = from.ToUnixTimeMilliseconds(),
            ["to_date"] = to.ToUnixTimeMilliseconds(),
            ["group_by"] = new JsonArray(),
            ["message"] = "",
            ["series"] = series,
        });
    }

    private async Task ListEvents(HttpContext http, string body)
    {
        if (!TrySeconds(http, "start", out var start) || !TrySeconds(http, "end", out var end))
        {
            await Errors(http, HttpStatusCode.BadRequest, "Missing or invalid required argument(s): start and end (Unix seconds) are required");
            return;
        }

        var tags = http.Request.Query["tags"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var events = _events
            .Where(e => e.At >= start && e.At <= end && (tags.Length == 0 || e.Tags.Any(t => tags.Contains(t, StringComparer.Ordinal))))
            .OrderByDescending(e => e.At)
            .Take(1000)
            .Select(e => (JsonNode)new JsonObject
            {
                ["id"] = e.Id,
                ["id_str"] = e.Id.ToString(CultureInfo.InvariantCulture),
                ["date_happened"] = e.At.ToUnixTimeSeconds(),
                ["title"] = e.Title,
                ["text"] = e.Text,
                ["tags"] = new JsonArray(e.Tags.Select(t => (JsonNode?)t).ToArray()),
                ["alert_type"] = "info",
                ["priority"] = "normal",
                ["source_type_name"] = "my_apps",
                ["url"] = $"/event/event?id={e.Id}",
            })
            .ToArray();
        await Json(http, new JsonObject { ["events"] = new JsonArray(events), ["status"] = "ok" });
    }

    private async Task SearchLogs(HttpContext http, string body)
    {
        if (!(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await Errors(http, HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type: expected application/json");
            return;
        }

        JsonNode? request;
        try
        {
            request = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            await Errors(http, HttpStatusCode.BadRequest, "Malformed JSON body");
            return;
        }

        var filter = request?["filter"];
        var page = request?["page"];
        var limit = page?["limit"]?.GetValue<int>() ?? 10;
        var sort = request?["sort"]?.GetValue<string>() ?? "timestamp";
        if (!DateTimeOffset.TryParse(filter?["from"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from)
            || !DateTimeOffset.TryParse(filter?["to"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to))
        {
            await Errors(http, HttpStatusCode.BadRequest, "filter.from and filter.to must be dates (ISO 8601 here)");
            return;
        }

        if (string.IsNullOrWhiteSpace(filter?["query"]?.GetValue<string>()))
        {
            await Errors(http, HttpStatusCode.BadRequest, "filter.query is required here");
            return;
        }

        if (limit is < 1 or > 1000)
        {
            await Errors(http, HttpStatusCode.BadRequest, "page[limit] must be between 1 and 1000");
            return;
        }

        if (sort is not ("timestamp" or "-timestamp"))
        {
            await Errors(http, HttpStatusCode.BadRequest, $"invalid sort '{sort}'");
            return;
        }

        var offset = 0;
        if (page?["cursor"]?.GetValue<string>() is { } cursor
            && !int.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(cursor)), CultureInfo.InvariantCulture, out offset))
        {
            await Errors(http, HttpStatusCode.BadRequest, "invalid page cursor");
            return;
        }

        var matching = _logs.Where(l => l.At >= from && l.At <= to);
        var ordered = (sort == "-timestamp" ? matching.OrderByDescending(l => l.At) : matching.OrderBy(l => l.At)).ThenBy(l => l.Id).ToList();
        var slice = ordered.Skip(offset).Take(limit).ToList();
        var data = slice.Select(l => (JsonNode)new JsonObject
        {
            ["id"] = l.Id,
            ["type"] = "log",
            ["attributes"] = new JsonObject
            {
                ["message"] = l.Message,
                ["timestamp"] = l.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                ["status"] = l.Status,
                ["service"] = l.Service,
                ["host"] = "i-0123456789",
                ["tags"] = new JsonArray($"service:{l.Service}"),
                ["attributes"] = new JsonObject(),
            },
        }).ToArray();
        var meta = new JsonObject { ["elapsed"] = 12, ["request_id"] = "fake", ["status"] = "done" };
        var links = new JsonObject();
        if (offset + slice.Count < ordered.Count)
        {
            var after = Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + slice.Count).ToString(CultureInfo.InvariantCulture)));
            meta["page"] = new JsonObject { ["after"] = after };
            links["next"] = $"{Url}api/v2/logs/events?page[cursor]={after}";
        }

        await Json(http, new JsonObject { ["data"] = new JsonArray(data), ["meta"] = meta, ["links"] = links });
    }

    private static bool TrySeconds(HttpContext http, string name, out DateTimeOffset time)
    {
        time = default;
        if (!long.TryParse(http.Request.Query[name].ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static async Task Json(HttpContext http, JsonObject body)
    {
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task Errors(HttpContext http, HttpStatusCode status, string error)
    {
        http.Response.StatusCode = (int)status;
        await Json(http, new JsonObject { ["errors"] = new JsonArray(error) });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local server speaking Loki's <c>GET /loki/api/v1/query_range</c> as its HTTP API documentation describes it. It
/// holds log lines (<see cref="Add"/>) and answers a log query with those inside <c>[start, end]</c>, newest first for
/// <c>direction=backward</c>, at most <c>limit</c>, grouped into streams by labels:
/// <c>{"status":"success","data":{"resultType":"streams","result":[{"stream":{…},"values":[["&lt;unix ns&gt;","&lt;line&gt;"]]}]}}</c>.
/// It does not evaluate LogQL: every stored line matches any query that starts with a stream selector.
/// <para>
/// It refuses like Loki does, with a plain-text body: 400 for a query that is not a stream selector
/// (<c>parse error at line 1, col 1: syntax error: unexpected IDENTIFIER</c>), a missing or unreadable <c>start</c>/<c>end</c>,
/// <c>end</c> not after <c>start</c>, a bad <c>direction</c> or a <c>limit</c> above <see cref="MaxEntries"/>; 401
/// <c>no org id</c> without <c>X-Scope-OrgID</c> when a tenant is required; 401 when the bearer token or basic credentials
/// it was started with are not sent (as a gateway in front of Loki answers). It can be told to fail
/// (<see cref="FailWith"/>), answer late (<see cref="Delay"/>) or answer malformed JSON (<see cref="Malformed"/>).
/// Compiled into each test project that needs it.
/// </para>
/// </summary>
internal sealed class FakeLoki : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentBag<Line> _lines = [];

    private FakeLoki(WebApplication app, string? tenant, string? authorization)
    {
        _app = app;
        Tenant = tenant;
        Authorization = authorization;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>The tenant that must be sent as <c>X-Scope-OrgID</c>; null: single-tenant (the header is ignored).</summary>
    public string? Tenant { get; }

    /// <summary>The exact <c>Authorization</c> header required; null: none.</summary>
    public string? Authorization { get; }

    /// <summary>Loki's <c>max_entries_limit_per_query</c>.</summary>
    public int MaxEntries { get; set; } = 5000;

    /// <summary>When set, every query is answered with this status and plain-text body.</summary>
    public (HttpStatusCode Status, string Body)? FailWith { get; set; }

    /// <summary>How long to wait before answering (the wait ends when the client gives up).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When true, a 200 with a body that is not JSON.</summary>
    public bool Malformed { get; set; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>One request as received: its path, query parameters and headers.</summary>
    public sealed record Request(string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers);

    private sealed record Line(DateTimeOffset At, string Text, IReadOnlyDictionary<string, string> Labels);

    /// <summary>
    /// Starts the fake. <paramref name="tenant"/>: require <c>X-Scope-OrgID</c>; <paramref name="bearerToken"/> or
    /// <paramref name="basic"/>: require that <c>Authorization</c>.
    /// </summary>
    public static async Task<FakeLoki> Start(string? tenant = null, string? bearerToken = null, (string User, string Password)? basic = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var authorization = bearerToken is not null
            ? $"Bearer {bearerToken}"
            : basic is { } b ? $"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{b.User}:{b.Password}"))}" : null;
        var fake = new FakeLoki(app, tenant, authorization);
        app.MapGet("/loki/api/v1/query_range", fake.QueryRange);
        await app.StartAsync();
        fake.Url = new Uri(app.Urls.Single());
        return fake;
    }

    /// <summary>Stores a line of the stream <paramref name="labels"/> (default <c>{app="checkout"}</c>).</summary>
    public FakeLoki Add(DateTimeOffset at, string line, IReadOnlyDictionary<string, string>? labels = null)
    {
        _lines.Add(new Line(at, line, labels ?? new Dictionary<string, string> { ["app"] = "checkout" }));
        return this;
    }

    private async Task QueryRange(HttpContext http)
    {
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Requests.Enqueue(new Request(
            http.Request.Path,
            query,
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));

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

        if (Authorization is not null && http.Request.Headers.Authorization.ToString() != Authorization)
        {
            await Text(http, HttpStatusCode.Unauthorized, "Unauthorized");
            return;
        }

        if (Tenant is not null && string.IsNullOrEmpty(http.Request.Headers["X-Scope-OrgID"]))
        {
            await Text(http, HttpStatusCode.Unauthorized, "no org id");
            return;
        }

        if (Tenant is not null && http.Request.Headers["X-Scope-OrgID"].ToString() != Tenant)
        {
            await Answer(http, []); // another tenant: its own (empty) data
            return;
        }

        if (FailWith is { } failure)
        {
            await Text(http, failure.Status, failure.Body);
            return;
        }

        var logql = query.GetValueOrDefault("query", "").Trim();
        if (!logql.StartsWith('{'))
        {
            await Text(http, HttpStatusCode.BadRequest, "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER");
            return;
        }

        if (!TryTime(query.GetValueOrDefault("start"), out var start) || !TryTime(query.GetValueOrDefault("end"), out var end))
        {
            await Text(http, HttpStatusCode.BadRequest, "could not parse 'start' or 'end' parameter: expected Unix nanoseconds or RFC3339");
            return;
        }

        if (end <= start)
        {
            await Text(http, HttpStatusCode.BadRequest, "end timestamp must not be before or equal to start time");
            return;
        }

        var direction = query.GetValueOrDefault("direction", "backward").ToLowerInvariant();
        if (direction is not ("backward" or "forward"))
        {
            await Text(http, HttpStatusCode.BadRequest, $"invalid direction '{direction}'");
            return;
        }

        var limit = 100;
        if (query.TryGetValue("limit", out var limitText) && !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
        {
            await Text(http, HttpStatusCode.BadRequest, $"invalid limit '{limitText}'");
            return;
        }

        if (limit > MaxEntries)
        {
            await Text(http, HttpStatusCode.BadRequest, $"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {MaxEntries})");
            return;
        }

        if (Malformed)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"status\":\"success\",\"data\":{\"resultType\":\"str");
            return;
        }

        var selected = _lines.Where(l => l.At >= start && l.At <= end);
        selected = direction == "backward" ? selected.OrderByDescending(l => l.At) : selected.OrderBy(l => l.At);
        await Answer(http, selected.Take(limit).ToList());
    }

    private static async Task Answer(HttpContext http, IReadOnlyList<Line> lines)
    {
        var result = new JsonArray();
        foreach (var stream in lines.GroupBy(l => string.Join(',', l.Labels.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))))
        {
            var labels = new JsonObject();
            foreach (var (key, value) in stream.First().Labels)
            {
                labels[key] = value;
            }

            var values = new JsonArray();
            foreach (var line in stream)
            {
                values.Add(new JsonArray(Nanoseconds(line.At), line.Text));
            }

            result.Add(new JsonObject { ["stream"] = labels, ["values"] = values });
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject
        {
            ["status"] = "success",
            ["data"] = new JsonObject
            {
                ["resultType"] = "streams",
                ["result"] = result,
                ["stats"] = new JsonObject { ["summary"] = new JsonObject { ["totalEntriesReturned"] = lines.Count } },
            },
        }.ToJsonString());
    }

    public static string Nanoseconds(DateTimeOffset at) => ((at - DateTimeOffset.UnixEpoch).Ticks * 100).ToString(CultureInfo.InvariantCulture);

    private static bool TryTime(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds))
        {
            time = DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    private static async Task Text(HttpContext http, HttpStatusCode status, string body)
    {
        http.Response.StatusCode = (int)status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(body + "\n");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

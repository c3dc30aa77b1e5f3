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
/// A local PagerDuty REST API v2, as far as incident history goes: <c>GET /incidents</c> (filters <c>service_ids[]</c>,
/// <c>since</c>/<c>until</c> at most 6 months apart, <c>statuses[]</c>, <c>sort_by</c>, classic <c>limit</c>/<c>offset</c>
/// pagination with <c>more</c>), <c>GET /incidents/{id}/notes</c> and <c>GET /incidents/{id}/log_entries</c>
/// (<c>is_overview</c>). It requires <c>Authorization: Token token=</c><see cref="Token"/> (else 401 with the API's error
/// body) and a JSON <c>Accept</c> header (the versioning <c>application/vnd.pagerduty+json;version=2</c> or
/// <c>application/json</c>), refuses bad parameters with 400 and the documented error object, and answers in the
/// documented shapes. <see cref="Responder"/> can replace an answer (429, 5xx, a delay, a malformed body). Compiled into
/// each test project that needs it.
/// </summary>
internal sealed class FakePagerDutyRest : IAsyncDisposable
{
    public const string Token = "u+Fake-PD-RestKey_8c2e";

    private static readonly string[] Statuses = ["triggered", "acknowledged", "resolved"];
    private static readonly string[] SortFields = ["incident_number", "created_at", "resolved_at", "urgency"];
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string ServiceId, Incident Incident)> _incidents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<Note>> _notes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<LogEntry>> _logEntries = new(StringComparer.Ordinal);

    private FakePagerDutyRest(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Answers an authorised request in place of the API (an error, a delay...), or null to answer normally.</summary>
    public Func<Request, Reply?>? Responder { get; set; }

    /// <summary>One received request: path, query parameters (repeated ones kept) and headers (names lower-case).</summary>
    public sealed record Request(string Path, IReadOnlyDictionary<string, string[]> Query, IReadOnlyDictionary<string, string> Headers)
    {
        public string? One(string name) => Query.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;
    }

    public sealed record Reply(HttpStatusCode Status, string Body, TimeSpan Delay = default);

    public sealed record Incident(string Id, int Number, string Title, DateTimeOffset CreatedAt, DateTimeOffset? ResolvedAt, string Status = "resolved");

    public sealed record Note(string Id, string Content, DateTimeOffset CreatedAt, string User = "Earline Greenholt");

    /// <summary>A log entry; <paramref name="Type"/> e.g. <c>resolve_log_entry</c>, <c>notify_log_entry</c> (not in the overview).</summary>
    public sealed record LogEntry(string Id, string Type, string Summary, DateTimeOffset CreatedAt, string? Note = null);

    public static async Task<FakePagerDutyRest> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakePagerDutyRest(app);
        app.MapGet("/incidents", http => fake.Handle(http, fake.ListIncidents));
        app.MapGet("/incidents/{id}/notes", http => fake.Handle(http, _ => fake.ListNotes((string)http.GetRouteValue("id")!)));
        app.MapGet("/incidents/{id}/log_entries", http => fake.Handle(http, r => fake.ListLogEntries(r, (string)http.GetRouteValue("id")!)));
        await app.StartAsync();
        fake.Endpoint = new Uri(app.Urls.Single());
        return fake;
    }

    public void Add(string serviceId, Incident incident, IEnumerable<Note>? notes = null, IEnumerable<LogEntry>? logEntries = null)
    {
        _incidents[incident.Id] = (serviceId, incident);
        _notes[incident.Id] = notes?.ToList() ?? [];
        _logEntries[incident.Id] = logEntries?.ToList() ?? [];
    }

    /// <summary>The API's error object: <c>{"error":{"message":...,"code":...,"errors":[...]}}</c>.</summary>
    public static Reply Error(HttpStatusCode status, string message, int code, params string[] errors)
    {
        var error = new JsonObject { ["message"] = message, ["code"] = code };
        if (errors.Length > 0)
        {
            error["errors"] = new JsonArray(errors.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        }

        return new Reply(status, new JsonObject { ["error"] = error }.ToJsonString());
    }

    public static Reply Unauthorized() => Error(HttpStatusCode.Unauthorized, "Unauthorized", 2006);

    public static Reply RateLimited() => Error(HttpStatusCode.TooManyRequests, "Rate Limit Exceeded", 2020);

    private static Reply Invalid(params string[] errors) => Error(HttpStatusCode.BadRequest, "Invalid Input Provided", 2001, errors);

    private async Task Handle(HttpContext http, Func<Request, Reply> answer)
    {
        var request = new Request(
            http.Request.Path.Value ?? "/",
            http.Request.Query.ToDictionary(q => q.Key, q => q.Value.Select(v => v ?? string.Empty).ToArray(), StringComparer.Ordinal),
            http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal));
        Requests.Enqueue(request);
        var reply = Check(request) ?? Responder?.Invoke(request) ?? answer(request);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        http.Response.StatusCode = (int)reply.Status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(reply.Body);
    }

    private static Reply? Check(Request request)
    {
        if (request.Headers.GetValueOrDefault("authorization") != $"Token token={Token}")
        {
            return Unauthorized();
        }

        var accept = request.Headers.GetValueOrDefault("accept") ?? string.Empty;
        var types = accept.Split(',', StringSplitOptions.TrimEntries).Select(t => t.Replace(" ", string.Empty, StringComparison.Ordinal));
        return types.Any(t => t is "application/vnd.pagerduty+json;version=2" or "application/json")
            ? null
            : Invalid($"Accept must be application/vnd.pagerduty+json;version=2, not '{accept}'");
    }

    private Reply ListIncidents(Request request)
    {
        DateTimeOffset? since = null, until = null;
        foreach (var (name, assign) in new (string, Action<DateTimeOffset>)[] { ("since", v => since = v), ("until", v => until = v) })
        {
            if (request.One(name) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
                {
                    return Invalid($"{name} is not a valid date: {text}");
                }

                assign(value);
            }
        }

        if (since is { } from && until is { } to && (to < from || to - from > TimeSpan.FromDays(183)))
        {
            return Invalid("The date range must be positive and at most 6 months");
        }

        var statuses = request.Query.GetValueOrDefault("statuses[]") ?? [];
        if (statuses.FirstOrDefault(s => !Statuses.Contains(s)) is { } badStatus)
        {
            return Invalid($"statuses[] has an unknown status: {badStatus}");
        }

        var limit = 25;
        var offset = 0;
        if ((request.One("limit") is { } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit < 1))
            || (request.One("offset") is { } o && (!int.TryParse(o, CultureInfo.InvariantCulture, out offset) || offset < 0)))
        {
            return Invalid("limit and offset must be non-negative integers");
        }

        limit = Math.Min(limit, 100);
        var sort = (request.One("sort_by") ?? "created_at:asc").Split(':');
        if (!SortFields.Contains(sort[0]) || (sort.Length > 1 && sort[1] is not ("asc" or "desc")) || sort.Length > 2)
        {
            return Invalid($"sort_by is invalid: {request.One("sort_by")}");
        }

        var services = request.Query.GetValueOrDefault("service_ids[]");
        var matching = _incidents.Values
            .Where(x => services is null || services.Contains(x.ServiceId))
            .Where(x => (since is null || x.Incident.CreatedAt >= since) && (until is null || x.Incident.CreatedAt < until))
            .Where(x => statuses.Length == 0 || statuses.Contains(x.Incident.Status))
            .ToList();
        var ordered = sort[0] switch
        {
            "incident_number" => matching.OrderBy(x => x.Incident.Number),
            "resolved_at" => matching.OrderBy(x => x.Incident.ResolvedAt),
            _ => matching.OrderBy(x => x.Incident.CreatedAt),
        };
        var list = (sort.Length > 1 && sort[1] == "desc" ? ordered.Reverse() : ordered).ToList();
        var page = list.Skip(offset).Take(limit).Select(x => IncidentJson(x.ServiceId, x.Incident)).ToArray<JsonNode?>();
        return Ok(new JsonObject
        {
            ["incidents"] = new JsonArray(page),
            ["limit"] = limit,
            ["offset"] = offset,
            ["more"] = offset + limit < list.Count,
            ["total"] = request.One("total") == "true" ? list.Count : null,
        });
    }

    private Reply ListNotes(string id)
    {
        if (!_notes.TryGetValue(id, out var notes))
        {
            return Error(HttpStatusCode.NotFound, "Not Found", 2100);
        }

        return Ok(new JsonObject
        {
            ["notes"] = new JsonArray(notes.Select(n => (JsonNode?)new JsonObject
            {
                ["id"] = n.Id,
                ["user"] = new JsonObject { ["id"] = "PXPGF42", ["type"] = "user_reference", ["summary"] = n.User, ["self"] = "https://api.pagerduty.com/users/PXPGF42" },
                ["channel"] = new JsonObject { ["summary"] = "The PagerDuty website or APIs" },
                ["content"] = n.Content,
                ["created_at"] = Stamp(n.CreatedAt),
            }).ToArray()),
        });
    }

    private Reply ListLogEntries(Request request, string id)
    {
        if (!_logEntries.TryGetValue(id, out var entries))
        {
            return Error(HttpStatusCode.NotFound, "Not Found", 2100);
        }

        if (request.One("is_overview") is { } overview && overview is not ("true" or "false"))
        {
            return Invalid($"is_overview must be true or false, not {overview}");
        }

        var shown = request.One("is_overview") == "true" ? entries.Where(e => e.Type != "notify_log_entry") : entries;
        return Ok(new JsonObject
        {
            ["log_entries"] = new JsonArray(shown.OrderByDescending(e => e.CreatedAt).Select(e =>
            {
                var entry = new JsonObject
                {
                    ["id"] = e.Id,
                    ["type"] = e.Type,
                    ["summary"] = e.Summary,
                    ["self"] = $"https://api.pagerduty.com/log_entries/{e.Id}",
                    ["created_at"] = Stamp(e.CreatedAt),
                    ["channel"] = new JsonObject { ["type"] = "website" },
                    ["agent"] = new JsonObject { ["id"] = "PXPGF42", ["type"] = "user_reference", ["summary"] = "Earline Greenholt" },
                    ["incident"] = new JsonObject { ["id"] = id, ["type"] = "incident_reference" },
                };
                if (e.Note is not null)
                {
                    entry["note"] = e.Note;
                }

                return (JsonNode?)entry;
            }).ToArray()),
            ["limit"] = 100,
            ["offset"] = 0,
            ["more"] = false,
            ["total"] = null,
        });
    }

    private static JsonObject IncidentJson(string serviceId, Incident i) => new()
    {
        ["id"] = i.Id,
        ["type"] = "incident",
        ["summary"] = $"[#{i.Number}] {i.Title}",
        ["self"] = $"https://api.pagerduty.com/incidents/{i.Id}",
        ["html_url"] = $"https://acme.pagerduty.com/incidents/{i.Id}",
        ["incident_number"] = i.Number,
        ["title"] = i.Title,
        ["created_at"] = Stamp(i.CreatedAt),
        ["updated_at"] = Stamp(i.ResolvedAt ?? i.CreatedAt),
        ["status"] = i.Status,
        ["incident_key"] = Guid.NewGuid().ToString("N"),
        ["service"] = new JsonObject { ["id"] = serviceId, ["type"] = "service_reference", ["summary"] = serviceId },
        ["assignments"] = new JsonArray(),
        ["last_status_change_at"] = Stamp(i.ResolvedAt ?? i.CreatedAt),
        ["resolved_at"] = i.ResolvedAt is { } resolved ? Stamp(resolved) : null,
        ["resolve_reason"] = null,
        ["urgency"] = "high",
    };

    private static Reply Ok(JsonObject body) => new(HttpStatusCode.OK, body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

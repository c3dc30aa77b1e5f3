using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local Jira Cloud REST API v3, as far as the notification channel goes: <c>POST /rest/api/3/search/jql</c> (JQL
/// <c>project = "X" AND labels = "y"</c> with an optional <c>ORDER BY created ASC|DESC</c>), <c>POST /rest/api/3/issue</c>,
/// <c>POST /rest/api/3/issue/{key}/comment</c>, <c>GET</c> and <c>POST /rest/api/3/issue/{key}/transitions</c>. It
/// requires Basic auth <see cref="User"/>:<see cref="ApiToken"/> (else 401), checks the documented fields (project
/// exists, issue type exists, summary present, one line and at most 255 characters, labels without spaces, descriptions
/// and comments in ADF: <c>type doc</c>, <c>version 1</c>, a <c>content</c> array of nodes, text nodes non-empty, at most
/// 32,767 characters) and answers Jira's error object <c>{"errorMessages":[...],"errors":{...}}</c>. The legacy
/// <c>/rest/api/3/search</c> answers 410 Gone as Jira Cloud does now. <see cref="Script"/> queues answers (429 with
/// Retry-After, 500...).
/// </summary>
internal sealed class FakeJira : IAsyncDisposable
{
    public const string User = "agents-bot@example.com";
    public const string ApiToken = "ATATT3xFfGF0-fake-jira-token-5d1e";
    public const string Project = "OPS";

    private static readonly Regex LabelQuery = new(
        "^project\\s*=\\s*\"(?<project>(?:[^\"\\\\]|\\\\.)*)\"\\s+AND\\s+labels\\s*=\\s*\"(?<label>(?:[^\"\\\\]|\\\\.)*)\"(?:\\s+ORDER\\s+BY\\s+created\\s+(?<order>ASC|DESC))?\\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _script = new();
    private readonly Lock _gate = new();
    private readonly List<Issue> _issues = [];

    private FakeJira(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The projects and their issue types.</summary>
    public ConcurrentDictionary<string, string[]> Projects { get; } = new(StringComparer.Ordinal) { [Project] = ["Task", "Bug", "Incident"] };

    /// <summary>The workflow's transitions (id, name, target status) offered on every issue not in the target status.</summary>
    public List<(string Id, string Name, string To)> Transitions { get; } = [("11", "To Do", "To Do"), ("21", "In Progress", "In Progress"), ("31", "Done", "Done")];

    public ConcurrentQueue<Request> Requests { get; } = new();

    public sealed record Request(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers, HttpStatusCode Answered)
    {
        public JsonObject? Json => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body) as JsonObject;
    }

    public sealed record Reply(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

    public sealed class Issue(string id, string key, JsonObject fields)
    {
        public string Id { get; } = id;

        public string Key { get; } = key;

        public JsonObject Fields { get; } = fields;

        public string Status { get; internal set; } = "To Do";

        public List<JsonObject> Comments { get; } = [];

        public IReadOnlyList<string> Labels => (Fields["labels"] as JsonArray ?? []).Select(l => l!.GetValue<string>()).ToList();
    }

    public IReadOnlyList<Issue> Issues
    {
        get
        {
            lock (_gate)
            {
                return [.. _issues];
            }
        }
    }

    public static async Task<FakeJira> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeJira(app);
        app.MapPost("/rest/api/3/search/jql", http => fake.Handle(http, fake.Search));
        app.MapMethods("/rest/api/3/search", ["GET", "POST"], http => fake.Handle(http, _ => Error(
            HttpStatusCode.Gone, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.")));
        app.MapPost("/rest/api/3/issue", http => fake.Handle(http, fake.Create));
        app.MapPost("/rest/api/3/issue/{key}/comment", http => fake.Handle(http, body => fake.Comment((string)http.GetRouteValue("key")!, body)));
        app.MapGet("/rest/api/3/issue/{key}/transitions", http => fake.Handle(http, _ => fake.ListTransitions((string)http.GetRouteValue("key")!)));
        app.MapPost("/rest/api/3/issue/{key}/transitions", http => fake.Handle(http, body => fake.Transition((string)http.GetRouteValue("key")!, body)));
        await app.StartAsync();
        fake.BaseUrl = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>Adds an existing issue (as if created earlier by someone) and returns it.</summary>
    public Issue Add(string summary, params string[] labels)
    {
        lock (_gate)
        {
            var issue = NewIssue(new JsonObject
            {
                ["project"] = new JsonObject { ["key"] = Project },
                ["summary"] = summary,
                ["issuetype"] = new JsonObject { ["name"] = "Task" },
                ["labels"] = new JsonArray(labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
            });
            return issue;
        }
    }

    public void Script(params Reply[] replies)
    {
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }
    }

    public static Reply TooManyRequests(int retryAfterSeconds) => new(
        HttpStatusCode.TooManyRequests,
        "{\"errorMessages\":[\"Rate limit exceeded.\"],\"errors\":{}}",
        new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(CultureInfo.InvariantCulture) });

    public static Reply ServerError() => Error(HttpStatusCode.InternalServerError, "Internal server error");

    public static Reply Error(HttpStatusCode status, string message, IDictionary<string, string>? fields = null)
    {
        var errors = new JsonObject();
        foreach (var (field, text) in fields ?? new Dictionary<string, string>())
        {
            errors[field] = text;
        }

        return new Reply(status, new JsonObject
        {
            ["errorMessages"] = message.Length > 0 ? new JsonArray(JsonValue.Create(message)) : new JsonArray(),
            ["errors"] = errors,
        }.ToJsonString());
    }

    private static Reply FieldErrors(Dictionary<string, string> fields) => Error(HttpStatusCode.BadRequest, string.Empty, fields);

    private async Task Handle(HttpContext http, Func<JsonObject?, Reply> answer)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var reply = Authorised(http) ? null : Error(HttpStatusCode.Unauthorized, "You are not authenticated. Authentication required to perform this operation.");
        if (reply is null && _script.TryDequeue(out var scripted))
        {
            reply = scripted;
        }

        if (reply is null)
        {
            JsonObject? json = null;
            var malformed = false;
            if (body.Length > 0)
            {
                try
                {
                    json = JsonNode.Parse(body) as JsonObject;
                    malformed = json is null;
                }
                catch (JsonException)
                {
                    malformed = true;
                }
            }

            reply = malformed ? Error(HttpStatusCode.BadRequest, "Unexpected character in the request body.") : answer(json);
        }

        Requests.Enqueue(new Request(
            http.Request.Method,
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

    private static bool Authorised(HttpContext http)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{ApiToken}"));
        return http.Request.Headers.Authorization.ToString() == expected;
    }

    private Reply Search(JsonObject? body)
    {
        var jql = body?["jql"]?.GetValue<string>() ?? string.Empty;
        var match = LabelQuery.Match(jql);
        if (!match.Success)
        {
            return Error(HttpStatusCode.BadRequest, $"Error in the JQL Query: the fake only understands project = \"X\" AND labels = \"y\", not '{jql}'.");
        }

        var project = Unquote(match.Groups["project"].Value);
        var label = Unquote(match.Groups["label"].Value);
        if (!Projects.ContainsKey(project))
        {
            return Error(HttpStatusCode.BadRequest, $"The value '{project}' does not exist for the field 'project'.");
        }

        var max = body?["maxResults"]?.GetValue<int>() ?? 50;
        List<Issue> found;
        lock (_gate)
        {
            found = _issues.Where(i => i.Fields["project"]?["key"]?.ToString() == project && i.Labels.Contains(label)).ToList();
        }

        if (string.Equals(match.Groups["order"].Value, "DESC", StringComparison.OrdinalIgnoreCase))
        {
            found.Reverse();
        }

        return Ok(new JsonObject
        {
            ["issues"] = new JsonArray(found.Take(max).Select(i => (JsonNode)new JsonObject
            {
                ["id"] = i.Id,
                ["key"] = i.Key,
                ["self"] = $"{BaseUrl}rest/api/3/issue/{i.Id}",
                ["fields"] = new JsonObject { ["summary"] = i.Fields["summary"]?.DeepClone(), ["status"] = new JsonObject { ["name"] = i.Status } },
            }).ToArray()),
            ["isLast"] = found.Count <= max,
        });
    }

    private Reply Create(JsonObject? body)
    {
        if (body?["fields"] is not JsonObject fields)
        {
            return Error(HttpStatusCode.BadRequest, "Can not deserialize: fields are missing.");
        }

        var errors = new Dictionary<string, string>();
        var project = fields["project"]?["key"]?.ToString();
        if (project is null || !Projects.TryGetValue(project, out var types))
        {
            errors["project"] = "valid project is required";
        }
        else if (fields["issuetype"]?["name"]?.ToString() is not { } type || !types.Contains(type))
        {
            errors["issuetype"] = "Specify a valid issue type";
        }

        var summary = fields["summary"] is JsonValue s && s.TryGetValue<string>(out var text) ? text : null;
        if (string.IsNullOrWhiteSpace(summary))
        {
            errors["summary"] = "You must specify a summary of the issue.";
        }
        else if (summary.Length > 255)
        {
            errors["summary"] = "Summary must be less than 255 characters.";
        }
        else if (summary.Contains('\n', StringComparison.Ordinal) || summary.Contains('\r', StringComparison.Ordinal))
        {
            errors["summary"] = "Field 'summary' cannot contain newline characters.";
        }

        if (fields["labels"] is { } labels)
        {
            if (labels is not JsonArray array || array.Any(l => l is not JsonValue))
            {
                errors["labels"] = "labels must be an array of strings";
            }
            else if (array.Select(l => l!.ToString()).FirstOrDefault(l => l.Length == 0 || l.Length > 255 || l.Any(char.IsWhiteSpace)) is { } bad)
            {
                errors["labels"] = $"The label '{bad}' contains spaces which is invalid.";
            }
        }

        if (fields["description"] is { } description && AdfProblem(description) is { } problem)
        {
            errors["description"] = problem;
        }

        if (errors.Count > 0)
        {
            return FieldErrors(errors);
        }

        Issue issue;
        lock (_gate)
        {
            issue = NewIssue(fields);
        }

        return new Reply(HttpStatusCode.Created, new JsonObject { ["id"] = issue.Id, ["key"] = issue.Key, ["self"] = $"{BaseUrl}rest/api/3/issue/{issue.Id}" }.ToJsonString());
    }

    private Reply Comment(string key, JsonObject? body)
    {
        var issue = Find(key);
        if (issue is null)
        {
            return NotFound();
        }

        if (body?["body"] is not { } adf)
        {
            return FieldErrors(new() { ["comment"] = "Comment body can not be empty!" });
        }

        if (AdfProblem(adf) is { } problem)
        {
            return FieldErrors(new() { ["comment"] = problem });
        }

        JsonObject comment;
        lock (_gate)
        {
            comment = new JsonObject { ["id"] = (10_000 + issue.Comments.Count).ToString(CultureInfo.InvariantCulture), ["body"] = adf.DeepClone() };
            issue.Comments.Add(comment);
        }

        return new Reply(HttpStatusCode.Created, comment.ToJsonString());
    }

    private Reply ListTransitions(string key)
    {
        var issue = Find(key);
        if (issue is null)
        {
            return NotFound();
        }

        return Ok(new JsonObject
        {
            ["expand"] = "transitions",
            ["transitions"] = new JsonArray(Available(issue).Select(t => (JsonNode)new JsonObject
            {
                ["id"] = t.Id,
                ["name"] = t.Name,
                ["to"] = new JsonObject { ["name"] = t.To, ["statusCategory"] = new JsonObject { ["key"] = t.To == "Done" ? "done" : "new" } },
                ["hasScreen"] = false,
                ["isAvailable"] = true,
            }).ToArray()),
        });
    }

    private Reply Transition(string key, JsonObject? body)
    {
        var issue = Find(key);
        if (issue is null)
        {
            return NotFound();
        }

        var id = body?["transition"]?["id"]?.ToString();
        var transition = Available(issue).FirstOrDefault(t => t.Id == id);
        if (transition.Id is null)
        {
            return Error(HttpStatusCode.BadRequest, $"Transition id '{id}' is not valid for this issue.");
        }

        lock (_gate)
        {
            issue.Status = transition.To;
        }

        return new Reply(HttpStatusCode.NoContent, string.Empty);
    }

    private List<(string Id, string Name, string To)> Available(Issue issue)
    {
        lock (_gate)
        {
            return Transitions.Where(t => t.To != issue.Status).ToList();
        }
    }

    /// <summary>What is wrong with an ADF document, or null: the root must be <c>{"type":"doc","version":1,"content":[...]}</c>.</summary>
    public static string? AdfProblem(JsonNode node)
    {
        const string NotAdf = "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
        if (node is not JsonObject doc || doc["type"]?.ToString() != "doc" || doc["version"] is not JsonValue version
            || !version.TryGetValue<int>(out var v) || v != 1 || doc["content"] is not JsonArray content)
        {
            return NotAdf;
        }

        var characters = 0;
        var problem = Nodes(content, ref characters);
        return problem ?? (characters > 32_767 ? "The entered text is too long. It exceeds the allowed limit of 32,767 characters." : null);
    }

    private static string? Nodes(JsonArray nodes, ref int characters)
    {
        foreach (var item in nodes)
        {
            if (item is not JsonObject node || node["type"] is not JsonValue type || !type.TryGetValue<string>(out var kind))
            {
                return "Operation value must be an Atlassian Document (see the Atlassian Document Format): every node needs a type";
            }

            if (kind == "text")
            {
                if (node["text"] is not JsonValue t || !t.TryGetValue<string>(out var text) || text.Length == 0)
                {
                    return "Operation value must be an Atlassian Document (see the Atlassian Document Format): text nodes need non-empty text";
                }

                characters += text.Length;
            }

            if (node["content"] is JsonArray children && Nodes(children, ref characters) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private Issue NewIssue(JsonObject fields)
    {
        var number = _issues.Count + 1;
        var issue = new Issue((10_000 + number).ToString(CultureInfo.InvariantCulture), $"{fields["project"]!["key"]}-{number}", (JsonObject)fields.DeepClone());
        _issues.Add(issue);
        return issue;
    }

    private Issue? Find(string key)
    {
        lock (_gate)
        {
            return _issues.FirstOrDefault(i => i.Key == key || i.Id == key);
        }
    }

    private static Reply NotFound() => Error(HttpStatusCode.NotFound, "Issue does not exist or you do not have permission to see it.");

    private static Reply Ok(JsonObject body) => new(HttpStatusCode.OK, body.ToJsonString());

    private static string Unquote(string value) => Regex.Replace(value, "\\\\(.)", "$1", RegexOptions.None, TimeSpan.FromSeconds(1));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Channels.Jira;

/// <summary>Settings of the Jira channel (<c>Notification:Channels:Jira</c>).</summary>
public sealed class JiraChannelOptions
{
    public const string SectionName = "Notification:Channels:Jira";

    /// <summary>The Jira Cloud site, e.g. <c>https://your-org.atlassian.net/</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The account's email address (Basic auth user).</summary>
    public string? User { get; set; }

    /// <summary>The account's API token (a secret).</summary>
    public string? ApiToken { get; set; }

    /// <summary>The project key issues go to when a route names none.</summary>
    public string? Project { get; set; }

    /// <summary>The issue type of created issues (<c>Task</c> exists in every Jira Cloud project template).</summary>
    public string IssueType { get; set; } = "Task";

    /// <summary>The transition applied when the incident is resolved.</summary>
    public string ResolveTransition { get; set; } = "Done";

    /// <summary>Whether a resolved critical incident that never had an issue gets one (a follow-up ticket).</summary>
    public bool FollowUpResolvedCritical { get; set; }
}

/// <summary>
/// Jira Cloud REST API v3: escalations, emergencies and approval requests ensure the incident has an issue (found by
/// the label <c>agents-incident-&lt;id&gt;</c>, else created); later events comment on it; a resolution comments and
/// applies <see cref="JiraChannelOptions.ResolveTransition"/>. All alert text goes into ADF text nodes: it stays text.
/// </summary>
public sealed class JiraChannel(IHttpClientFactory httpClientFactory, IOptions<JiraChannelOptions> options) : INotificationChannel
{
    public const string ChannelName = "jira";

    /// <summary>Jira's limit of an issue summary.</summary>
    public const int SummaryLimit = 255;

    /// <summary>Jira Cloud's limit of a text field (description, comment body): 32,767 characters.</summary>
    public const int TextFieldLimit = 32_767;

    private const int TextBudget = 30_000;

    private readonly JiraChannelOptions _options = options.Value;

    public string Name => ChannelName;

    public bool IsConfigured =>
        _options.BaseUrl is { IsAbsoluteUri: true } && !string.IsNullOrWhiteSpace(_options.User) && !string.IsNullOrWhiteSpace(_options.ApiToken);

    public bool IsIdempotent => true;

    public string? DefaultTarget => string.IsNullOrWhiteSpace(_options.Project) ? null : _options.Project;

    /// <summary>The label that marks the incident's issue: <c>agents-incident-</c> and the id in N format.</summary>
    public static string Label(Guid incidentId) => "agents-incident-" + incidentId.ToString("N");

    public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IsConfigured)
        {
            throw new InvalidOperationException("The Jira channel is not configured (Notification__Channels__Jira__BaseUrl, __User and __ApiToken are required).");
        }

        var project = string.IsNullOrWhiteSpace(target) ? DefaultTarget : target;
        var client = httpClientFactory.CreateClient(ChannelName);
        var opens = message.Event is "escalation" or "emergency" or "approval-request";
        var resolves = message.Event is "resolution" or ChannelEvents.ResolvedByOperator;

        var key = string.IsNullOrWhiteSpace(message.ThreadRef) ? null : message.ThreadRef;
        if (key is null)
        {
            if (project is null)
            {
                throw new InvalidOperationException("The Jira channel has no project: set Notification__Channels__Jira__Project or give the route a target.");
            }

            key = await FindAsync(client, project, Label(message.IncidentId), cancellationToken);
        }

        if (key is null)
        {
            var followUp = resolves && _options.FollowUpResolvedCritical && string.Equals(message.Severity, "critical", StringComparison.OrdinalIgnoreCase);
            if (!opens && !followUp)
            {
                return new ChannelReceipt(Detail: "nothing to send");
            }

            var created = await CreateAsync(client, project!, message, cancellationToken);
            return new ChannelReceipt(created, followUp ? "follow-up issue created" : "issue created");
        }

        await CommentAsync(client, key, message, cancellationToken);
        if (!resolves)
        {
            return new ChannelReceipt(key, "commented");
        }

        var transitioned = await TransitionAsync(client, key, cancellationToken);
        return new ChannelReceipt(key, transitioned);
    }

    private async Task<string?> FindAsync(HttpClient client, string project, string label, CancellationToken cancellationToken)
    {
        var query = new JsonObject
        {
            ["jql"] = $"project = {JqlString(project)} AND labels = {JqlString(label)} ORDER BY created ASC",
            ["fields"] = new JsonArray("summary", "status"),
            ["maxResults"] = 1,
        };
        var answer = await SendAsync(client, HttpMethod.Post, "rest/api/3/search/jql", query, "search for the incident's issue", cancellationToken);
        return answer?["issues"] is JsonArray { Count: > 0 } issues ? issues[0]?["key"]?.GetValue<string>() : null;
    }

    private async Task<string> CreateAsync(HttpClient client, string project, ChannelMessage message, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["project"] = new JsonObject { ["key"] = project },
                ["summary"] = ChannelText.Cut(ChannelText.OneLine(message.Title), SummaryLimit),
                ["issuetype"] = new JsonObject { ["name"] = _options.IssueType },
                ["labels"] = new JsonArray(Label(message.IncidentId), "agents"),
                ["description"] = Adf.Document(message, includeTitle: false, TextBudget),
            },
        };
        var answer = await SendAsync(client, HttpMethod.Post, "rest/api/3/issue", body, "create the issue", cancellationToken);
        return answer?["key"]?.GetValue<string>() ?? throw new InvalidOperationException("Jira created the issue but answered no key.");
    }

    private async Task CommentAsync(HttpClient client, string key, ChannelMessage message, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["body"] = Adf.Document(message, includeTitle: true, TextBudget) };
        await SendAsync(client, HttpMethod.Post, $"rest/api/3/issue/{Uri.EscapeDataString(key)}/comment", body, $"comment on {key}", cancellationToken);
    }

    private async Task<string> TransitionAsync(HttpClient client, string key, CancellationToken cancellationToken)
    {
        var path = $"rest/api/3/issue/{Uri.EscapeDataString(key)}/transitions";
        var answer = await SendAsync(client, HttpMethod.Get, path, null, $"list the transitions of {key}", cancellationToken);
        var transitions = (answer?["transitions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var wanted = transitions.FirstOrDefault(t => string.Equals(t["name"]?.ToString(), _options.ResolveTransition, StringComparison.OrdinalIgnoreCase))
            ?? transitions.FirstOrDefault(t => string.Equals(t["to"]?["name"]?.ToString(), _options.ResolveTransition, StringComparison.OrdinalIgnoreCase));
        if (wanted?["id"]?.ToString() is not { } id)
        {
            var available = string.Join(", ", transitions.Select(t => t["name"]?.ToString()).Where(n => !string.IsNullOrEmpty(n)));
            return $"commented; transition '{_options.ResolveTransition}' not available (available: {(available.Length > 0 ? available : "none")})";
        }

        await SendAsync(client, HttpMethod.Post, path, new JsonObject { ["transition"] = new JsonObject { ["id"] = id } }, $"transition {key}", cancellationToken);
        return $"commented; transitioned to '{wanted["name"]}'";
    }

    private async Task<JsonNode?> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_options.BaseUrl!.AbsoluteUri.TrimEnd('/') + "/" + path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.User}:{_options.ApiToken}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(Redact($"Jira could not {what} ({(int)response.StatusCode} {response.StatusCode}): {Describe(text)}"), null, response.StatusCode);
        }

        return response.StatusCode == HttpStatusCode.NoContent || string.IsNullOrWhiteSpace(text) ? null : TryParse(text);
    }

    /// <summary>Jira's error object <c>{"errorMessages":[...],"errors":{field: message}}</c> as one line.</summary>
    private static string Describe(string text)
    {
        if (TryParse(text) is JsonObject reply)
        {
            var messages = (reply["errorMessages"] as JsonArray ?? []).Select(m => m?.ToString());
            var fields = (reply["errors"] as JsonObject ?? []).Select(f => $"{f.Key}: {f.Value}");
            var all = string.Join("; ", messages.Concat(fields).Where(m => !string.IsNullOrWhiteSpace(m)));
            if (all.Length > 0)
            {
                return ChannelText.Cut(all, 1000);
            }
        }

        return text.Trim().Length > 0 ? ChannelText.Cut(ChannelText.OneLine(text), 300) : "no details";
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JQL string literal: double-quoted, with quotes and backslashes escaped.</summary>
    internal static string JqlString(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private string Redact(string text)
    {
        if (!string.IsNullOrEmpty(_options.ApiToken))
        {
            text = text.Replace(_options.ApiToken, "***", StringComparison.Ordinal);
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.User}:{_options.ApiToken}"));
            text = text.Replace(basic, "***", StringComparison.Ordinal);
        }

        return text;
    }
}

/// <summary>Registration of the Jira channel.</summary>
public static class JiraChannelExtensions
{
    public static IServiceCollection AddJiraChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraChannelOptions>().Bind(configuration.GetSection(JiraChannelOptions.SectionName));
        services.AddChannelHttpClient(JiraChannel.ChannelName);
        services.AddSingleton<INotificationChannel, JiraChannel>();
        return services;
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Channels.PagerDuty;

/// <summary>Settings of the PagerDuty channel (<c>Notification:Channels:PagerDuty</c>).</summary>
public sealed class PagerDutyChannelOptions
{
    public const string SectionName = "Notification:Channels:PagerDuty";

    /// <summary>The Events API v2 host (<c>https://events.eu.pagerduty.com/</c> for EU accounts).</summary>
    public Uri BaseUrl { get; set; } = new("https://events.pagerduty.com/");

    /// <summary>The 32-character integration key of an Events API v2 integration (a secret).</summary>
    public string? RoutingKey { get; set; }
}

/// <summary>
/// PagerDuty Events API v2 (<c>POST v2/enqueue</c>): escalations, emergencies, approval requests and anything paged
/// trigger an alert whose <c>dedup_key</c> is derived from the incident, so a resend only adds a log entry to the same
/// alert; an acknowledgement acknowledges it and a resolution resolves it. Other events have nothing to send.
/// </summary>
public sealed class PagerDutyChannel(IHttpClientFactory httpClientFactory, IOptions<PagerDutyChannelOptions> options) : INotificationChannel
{
    public const string ChannelName = "pagerduty";

    /// <summary>PagerDuty's limit of <c>payload.summary</c>.</summary>
    public const int SummaryLimit = 1024;

    /// <summary>PagerDuty's limit of <c>dedup_key</c>.</summary>
    public const int DedupKeyLimit = 255;

    /// <summary>PagerDuty's limit of a whole event (512 KB); the channel keeps some room under it.</summary>
    public const int BodyLimitBytes = 512 * 1024;

    private const int BodyBudgetBytes = 500 * 1024;
    private const int FieldLimit = 255;
    private const int DetailKeyLimit = 255;

    private readonly PagerDutyChannelOptions _options = options.Value;

    public string Name => ChannelName;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(_options.RoutingKey) && _options.BaseUrl is { IsAbsoluteUri: true };

    public bool IsIdempotent => true;

    /// <summary>One destination: the integration the routing key belongs to (a route's target is ignored).</summary>
    public string? DefaultTarget => null;

    /// <summary>The alert's dedup key: <c>agents-incident-</c> and the incident id.</summary>
    public static string DedupKey(Guid incidentId) => Hosting.PagerDutyEvents.DedupKey(incidentId);

    /// <summary>The event action for <paramref name="message"/>, or null when PagerDuty has nothing to do with it.</summary>
    public static string? EventAction(ChannelMessage message) => message.Event switch
    {
        ChannelEvents.Acknowledged => "acknowledge",
        "resolution" or ChannelEvents.ResolvedByOperator => "resolve",
        "escalation" or "emergency" or "approval-request" => "trigger",
        _ when string.Equals(message.Priority, "page", StringComparison.OrdinalIgnoreCase) => "trigger",
        _ => null,
    };

    /// <summary>PagerDuty's severity (<c>critical</c>, <c>error</c>, <c>warning</c>, <c>info</c>) for ours.</summary>
    public static string Severity(string? severity) => severity?.ToLowerInvariant() switch
    {
        "critical" => "critical",
        "high" => "error",
        "medium" => "warning",
        "low" => "info",
        _ => "error",
    };

    public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IsConfigured)
        {
            throw new InvalidOperationException("The PagerDuty channel is not configured (Notification__Channels__PagerDuty__RoutingKey is missing).");
        }

        if (EventAction(message) is not { } action)
        {
            return new ChannelReceipt(Detail: "nothing to send");
        }

        var dedupKey = DedupKey(message.IncidentId);
        var body = Build(message, action, dedupKey, _options.RoutingKey!);
        var uri = new Uri(_options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/v2/enqueue");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var client = httpClientFactory.CreateClient(ChannelName);
        using var response = await client.PostAsync(uri, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.Accepted || response.IsSuccessStatusCode)
        {
            var answered = TryParse(text)?["dedup_key"]?.GetValue<string>();
            return new ChannelReceipt(answered ?? dedupKey, $"{action} accepted");
        }

        throw new HttpRequestException(Redact(Describe(response.StatusCode, text)), null, response.StatusCode);
    }

    /// <summary>The event's JSON, cut to PagerDuty's limits (summary 1024 characters, the whole event under 512 KB).</summary>
    internal static string Build(ChannelMessage message, string action, string dedupKey, string routingKey)
    {
        var event_ = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = action,
            ["dedup_key"] = ChannelText.Cut(dedupKey, DedupKeyLimit),
        };
        if (action != "trigger")
        {
            return event_.ToJsonString();
        }

        // The free text is what can be large: cut it harder until the event fits.
        var textLimit = 100_000;
        var valueLimit = 8_000;
        while (true)
        {
            var trigger = event_.DeepClone().AsObject();
            trigger["payload"] = Payload(message, textLimit, valueLimit);
            var links = Links(message);
            if (links.Count > 0)
            {
                trigger["links"] = links;
            }

            trigger["client"] = "Agents";
            if (message.IncidentUrl is { } incidentUrl && IsWeb(incidentUrl))
            {
                trigger["client_url"] = incidentUrl.AbsoluteUri;
            }

            var json = trigger.ToJsonString();
            if (Encoding.UTF8.GetByteCount(json) <= BodyBudgetBytes || (textLimit <= 64 && valueLimit <= 64))
            {
                return json;
            }

            textLimit = Math.Max(64, textLimit / 2);
            valueLimit = Math.Max(64, valueLimit / 2);
        }
    }

    private static JsonObject Payload(ChannelMessage message, int textLimit, int valueLimit)
    {
        var details = new JsonObject();
        foreach (var (key, value) in message.Details.Take(100))
        {
            var name = ChannelText.Cut(key, DetailKeyLimit);
            if (name is "summary" or "event" or "status" or "incident_id")
            {
                name = "detail: " + name;
            }

            details[name] = ChannelText.Cut(value, valueLimit);
        }

        details["summary"] = ChannelText.Cut(message.Summary, textLimit);
        details["event"] = message.Event;
        details["status"] = message.Status;
        details["incident_id"] = message.IncidentId.ToString("D");
        var payload = new JsonObject
        {
            ["summary"] = ChannelText.Cut(ChannelText.OneLine(message.Title), SummaryLimit),
            ["source"] = ChannelText.Cut(string.IsNullOrWhiteSpace(message.Source) ? "agents" : message.Source, FieldLimit),
            ["severity"] = Severity(message.Severity),
            ["timestamp"] = message.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["class"] = message.Event,
        };
        if (!string.IsNullOrWhiteSpace(message.Service))
        {
            payload["component"] = ChannelText.Cut(message.Service, FieldLimit);
        }

        if (!string.IsNullOrWhiteSpace(message.Team))
        {
            payload["group"] = ChannelText.Cut(message.Team, FieldLimit);
        }

        payload["custom_details"] = details;
        return payload;
    }

    private static JsonArray Links(ChannelMessage message)
    {
        var links = new JsonArray();
        foreach (var (url, text) in new[] { (message.IncidentUrl, "Incident"), (message.TraceUrl, "Trace"), (message.RunbookUrl, "Runbook") })
        {
            if (url is not null && IsWeb(url))
            {
                links.Add(new JsonObject { ["href"] = url.AbsoluteUri, ["text"] = text });
            }
        }

        return links;
    }

    private static bool IsWeb(Uri url) => url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

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

    private static string Describe(HttpStatusCode status, string text)
    {
        var reply = TryParse(text) as JsonObject;
        var what = reply?["status"]?.ToString() ?? reply?["message"]?.ToString();
        var errors = reply?["errors"] is JsonArray array ? string.Join("; ", array.Select(e => e?.ToString())) : null;
        var detail = string.Join(": ", new[] { what, errors }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (detail.Length == 0)
        {
            detail = ChannelText.Cut(text.Trim(), 300);
        }

        return $"PagerDuty refused the event ({(int)status} {status}){(detail.Length > 0 ? ": " + detail : string.Empty)}";
    }

    private string Redact(string text) =>
        string.IsNullOrEmpty(_options.RoutingKey) ? text : text.Replace(_options.RoutingKey, "***", StringComparison.Ordinal);
}

/// <summary>Registration of the PagerDuty channel.</summary>
public static class PagerDutyChannelExtensions
{
    public static IServiceCollection AddPagerDutyChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PagerDutyChannelOptions>().Bind(configuration.GetSection(PagerDutyChannelOptions.SectionName));
        services.AddChannelHttpClient(PagerDutyChannel.ChannelName);
        services.AddSingleton<INotificationChannel, PagerDutyChannel>();
        return services;
    }
}

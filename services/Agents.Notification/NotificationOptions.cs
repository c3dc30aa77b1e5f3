using System.ComponentModel.DataAnnotations;

namespace Agents.Notification;

public sealed class NotificationOptions
{
    public const string SectionName = "Notification";

    /// <summary>The local sink: a JSON-lines file every notification is appended to.</summary>
    [Required]
    public string SinkPath { get; set; } = ".local/notifications.jsonl";

    /// <summary>The routing file (<c>Notification__RoutesPath</c>); empty: <c>deploy/notifications.yaml</c> when it exists, else the built-in routes.</summary>
    public string? RoutesPath { get; set; }

    /// <summary>Where people open an incident (the API or a console), e.g. <c>https://agents.example.com/</c>: links in every message. Empty: no link.</summary>
    public Uri? IncidentBaseUrl { get; set; }

    /// <summary>The Jaeger UI the messages' trace links point at (<c>Notification__JaegerUrl</c>, as the API's <c>Api__JaegerUrl</c>). Empty: no link.</summary>
    public Uri? JaegerUrl { get; set; }

    /// <summary>Where the runbook actions are described (<c>Notification__RunbookBaseUrl</c>): the link is this + the action's id. Empty: no link.</summary>
    public Uri? RunbookBaseUrl { get; set; }

    /// <summary>The trace's link: <see cref="JaegerUrl"/> + <c>trace/{traceId}</c>.</summary>
    public Uri? TraceUrl(string? traceId) =>
        JaegerUrl is { } jaeger && !string.IsNullOrEmpty(traceId) ? new Uri($"{jaeger.AbsoluteUri.TrimEnd('/')}/trace/{traceId}") : null;

    /// <summary>The runbook action's link: <see cref="RunbookBaseUrl"/> + the action's id.</summary>
    public Uri? RunbookUrl(string? actionId) =>
        RunbookBaseUrl is { } root && !string.IsNullOrEmpty(actionId) ? new Uri(root, Uri.EscapeDataString(actionId)) : null;

    /// <summary>The incident's link: <see cref="IncidentBaseUrl"/> + <c>incidents/{id}</c>.</summary>
    public Uri? IncidentUrl(Guid incidentId) => IncidentBaseUrl is { } root ? new Uri(root, $"incidents/{incidentId:D}") : null;
}

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

    /// <summary>The incident's link: <see cref="IncidentBaseUrl"/> + <c>incidents/{id}</c>.</summary>
    public Uri? IncidentUrl(Guid incidentId) => IncidentBaseUrl is { } root ? new Uri(root, $"incidents/{incidentId:D}") : null;
}

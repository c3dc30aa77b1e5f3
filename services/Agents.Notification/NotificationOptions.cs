using System.ComponentModel.DataAnnotations;

namespace Agents.Notification;

public sealed class NotificationOptions
{
    public const string SectionName = "Notification";

    /// <summary>The local sink: a JSON-lines file every notification is appended to.</summary>
    [Required]
    public string SinkPath { get; set; } = ".local/notifications.jsonl";
}

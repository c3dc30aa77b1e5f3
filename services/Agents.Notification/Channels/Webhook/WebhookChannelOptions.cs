namespace Agents.Notification.Channels.Webhook;

/// <summary>
/// The generic webhook (<c>Notification:Channels:Webhook</c>, env <c>Notification__Channels__Webhook__*</c>). The channel
/// is on when <see cref="Url"/> (an absolute http(s) URL) and <see cref="Secret"/> are set.
/// </summary>
public sealed class WebhookChannelOptions
{
    public const string SectionName = "Notification:Channels:Webhook";

    /// <summary>Where each event is POSTed. It may carry a token itself, so it is never shown whole in an error.</summary>
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key of the <c>X-Agents-Signature</c> header (a secret).</summary>
    public string? Secret { get; set; }

    /// <summary>A label for the receiver in receipts and errors (default: the URL's host).</summary>
    public string? Name { get; set; }
}

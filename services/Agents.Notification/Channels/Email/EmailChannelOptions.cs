namespace Agents.Notification.Channels.Email;

/// <summary>
/// The email channel's SMTP relay (<c>Notification:Channels:Email</c>, env <c>Notification__Channels__Email__*</c>). The
/// channel is on when <see cref="Host"/>, <see cref="From"/> and <see cref="To"/> are set.
/// </summary>
public sealed class EmailChannelOptions
{
    public const string SectionName = "Notification:Channels:Email";

    /// <summary>The SMTP relay's host name or address.</summary>
    public string? Host { get; set; }

    /// <summary>The relay's port: 587 (submission with STARTTLS) unless told otherwise; 465 for <c>ssl</c>.</summary>
    public int Port { get; set; } = 587;

    /// <summary>
    /// <c>starttls</c> (the default: the connection must be upgraded to TLS before anything is sent), <c>ssl</c> (TLS from
    /// the first byte, port 465) or <c>none</c> (plain text, accepted only for a loopback host such as a local relay).
    /// </summary>
    public string Security { get; set; } = "starttls";

    /// <summary>The SMTP user; without it the channel sends without authenticating.</summary>
    public string? User { get; set; }

    /// <summary>The SMTP password (a secret: never logged, never in an error).</summary>
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>Agents &lt;agents@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    /// <summary>The default recipients, comma-separated; a route's target replaces them.</summary>
    public string? To { get; set; }
}

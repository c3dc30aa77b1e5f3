namespace Agents.Notification.Channels;

/// <summary>
/// One way of reaching people (Slack, PagerDuty, Jira, email, a webhook, the local file). A channel without its
/// credentials is off (<see cref="IsConfigured"/>). The dispatcher claims each delivery in the ledger before calling
/// <see cref="SendAsync"/>, so a channel never has to guard against repeats itself; it throws when the delivery failed
/// (the dispatcher records the reason; the other channels go on).
/// </summary>
public interface INotificationChannel
{
    /// <summary>The channel's name in routes and in the ledger: <c>slack</c>, <c>pagerduty</c>, <c>jira</c>, <c>email</c>, <c>webhook</c>, <c>file</c>.</summary>
    string Name { get; }

    /// <summary>Whether the channel has what it needs (base URL, credentials) to send.</summary>
    bool IsConfigured { get; }

    /// <summary>
    /// Whether sending the same event again is harmless because the provider deduplicates it (PagerDuty's dedup_key,
    /// Jira's lookup by the incident's label): then a delivery claimed by an attempt that died before confirming is sent
    /// again; for any other channel it is not (at most once).
    /// </summary>
    bool IsIdempotent { get; }

    /// <summary>
    /// The target a route without one uses (e.g. the configured Slack channel, the email recipients); null when the
    /// channel has a single destination.
    /// </summary>
    string? DefaultTarget { get; }

    /// <summary>Delivers <paramref name="message"/> to <paramref name="target"/> (null: <see cref="DefaultTarget"/>); answers what the provider calls it.</summary>
    Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken);
}

/// <summary>What a channel got back: the provider's id of what it created (Slack <c>ts</c>, Jira issue key, PagerDuty dedup key), if any.</summary>
public sealed record ChannelReceipt(string? ExternalId = null, string? Detail = null);

/// <summary>The events a channel is asked to deliver (<see cref="ChannelMessage.Event"/>).</summary>
public static class ChannelEvents
{
    // The notification kinds of the workflow (NotificationKinds): escalation, emergency, resolution, low-priority, approval-request.

    /// <summary>A human acknowledged the incident (IncidentAcknowledged): PagerDuty acknowledge, a Slack thread reply, a Jira comment.</summary>
    public const string Acknowledged = "acknowledged";

    /// <summary>A human resolved an escalated incident (IncidentResolvedByOperator): PagerDuty resolve, the Slack head updated, Jira transitioned.</summary>
    public const string ResolvedByOperator = "resolved-by-operator";

    /// <summary>A deliberation (a claim) ended without consensus: the claims review channel.</summary>
    public const string NoConsensus = "no-consensus";
}

/// <summary>
/// One event to deliver, already written for people (plain text; each channel escapes it for its own markup and cuts
/// it to its own limits). Alert text inside is untrusted: it must never become a mention, a link or markup.
/// </summary>
public sealed record ChannelMessage
{
    /// <summary>The incident (or for a deliberation, the deliberation) the event is about: PagerDuty's dedup_key and Jira's label derive from it.</summary>
    public required Guid IncidentId { get; init; }

    /// <summary>A notification kind (<c>escalation</c>, <c>emergency</c>, <c>resolution</c>, <c>low-priority</c>, <c>approval-request</c>) or one of <see cref="ChannelEvents"/>.</summary>
    public required string Event { get; init; }

    /// <summary>The event's identity in the ledger: the same event delivered again has the same key.</summary>
    public required string EventKey { get; init; }

    /// <summary><c>page</c>, <c>high</c>, <c>normal</c> or <c>low</c>.</summary>
    public required string Priority { get; init; }

    /// <summary>The incident's status the event leaves it in (<c>Escalated</c>, <c>Resolved</c> …).</summary>
    public required string Status { get; init; }

    public required string Title { get; init; }

    /// <summary>Several lines of plain text.</summary>
    public required string Summary { get; init; }

    /// <summary><c>critical</c>, <c>high</c>, <c>medium</c>, <c>low</c>, or null when not triaged.</summary>
    public string? Severity { get; init; }

    public string? Service { get; init; }

    /// <summary>The workflow step the event is about (for an escalation, the step that gave up), when known.</summary>
    public string? Step { get; init; }

    /// <summary>The owning team from the service catalog, when the service has an entry.</summary>
    public string? Team { get; init; }

    /// <summary>Where the sender runs (PagerDuty's <c>source</c>): the alert's source.</summary>
    public string? Source { get; init; }

    public Uri? IncidentUrl { get; init; }

    public Uri? TraceUrl { get; init; }

    public Uri? RunbookUrl { get; init; }

    /// <summary>Short facts for custom details (PagerDuty <c>custom_details</c>, Jira description, Slack fields).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The provider's id of this incident's first delivery on the same channel and target (the Slack head message's
    /// <c>ts</c>, the Jira issue key), from the ledger; null for the incident's first delivery there.
    /// </summary>
    public string? ThreadRef { get; init; }

    public required DateTimeOffset At { get; init; }
}

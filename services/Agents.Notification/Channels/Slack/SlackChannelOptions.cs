namespace Agents.Notification.Channels.Slack;

/// <summary>The Slack channel's settings, section <c>Notification:Channels:Slack</c> (env <c>Notification__Channels__Slack__*</c>).</summary>
public sealed class SlackChannelOptions
{
    public const string SectionName = "Notification:Channels:Slack";

    /// <summary>The Web API's base address; the method name is appended (<c>{BaseUrl}chat.postMessage</c>).</summary>
    public string BaseUrl { get; set; } = "https://slack.com/api/";

    /// <summary>The bot token (<c>xoxb-…</c>) with the <c>chat:write</c> scope. Without it the channel is off. A secret: never logged.</summary>
    public string? Token { get; set; }

    /// <summary>The default target: a channel id (<c>C0123…</c>) or name; required with the token.</summary>
    public string? Channel { get; set; }

    /// <summary>The target of the no-consensus event (the claims review channel); the routing passes it as the target. Optional.</summary>
    public string? ClaimsChannel { get; set; }

    public override string ToString() =>
        $"BaseUrl={BaseUrl}, Channel={Channel}, ClaimsChannel={ClaimsChannel}, Token={(string.IsNullOrWhiteSpace(Token) ? "(none)" : "(set)")}";
}

namespace Agents.Notification.Channels;

/// <summary>Cutting text to a channel's limits, with a visible ellipsis.</summary>
internal static class ChannelText
{
    private const string Ellipsis = "…";

    /// <summary><paramref name="text"/> at most <paramref name="limit"/> characters, ending in "…" when cut (never splitting a surrogate pair).</summary>
    public static string Cut(string? text, int limit)
    {
        text ??= string.Empty;
        if (text.Length <= limit)
        {
            return text;
        }

        var keep = Math.Max(0, limit - Ellipsis.Length);
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return text[..keep] + Ellipsis;
    }

    /// <summary>The text on one line (line breaks become spaces).</summary>
    public static string OneLine(string? text) =>
        (text ?? string.Empty).Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ').Trim();
}

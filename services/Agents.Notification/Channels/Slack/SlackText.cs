using System.Globalization;

namespace Agents.Notification.Channels.Slack;

/// <summary>
/// Slack's text rules: alert text is escaped (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>, the only three characters Slack
/// decodes, and the ones that start mentions <c>&lt;!channel&gt;</c>, <c>&lt;@U…&gt;</c> and links <c>&lt;url|label&gt;</c>)
/// and cut to Slack's limits after escaping, with a visible "…" when cut.
/// </summary>
internal static class SlackText
{
    public const string Ellipsis = "…";

    /// <summary>Slack's escaping of <paramref name="text"/> (nothing else is entity-encoded).</summary>
    public static string Escape(string text) => string.Concat(Units(text));

    /// <summary>The escaped <paramref name="text"/>, at most <paramref name="limit"/> characters ("…" included when cut).</summary>
    public static string Fit(string text, int limit) => Chunks(text, limit, 1)[0];

    /// <summary>
    /// The escaped <paramref name="text"/> in at most <paramref name="maxChunks"/> pieces of at most <paramref name="limit"/>
    /// characters each, preferring to break at a line end; the last piece ends in "…" when the text did not fit. Never
    /// splits an entity or a surrogate pair. Always at least one piece (possibly empty).
    /// </summary>
    public static IReadOnlyList<string> Chunks(string text, int limit, int maxChunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 2);
        var units = Units(text);
        var chunks = new List<string>();
        var index = 0;
        while (index < units.Count && chunks.Count < maxChunks)
        {
            var last = chunks.Count == maxChunks - 1;
            var room = limit;
            var end = index;
            var length = 0;
            while (end < units.Count && length + units[end].Length <= room)
            {
                length += units[end].Length;
                end++;
            }

            if (end < units.Count)
            {
                if (last)
                {
                    // Make room for the ellipsis.
                    while (end > index && length + Ellipsis.Length > limit)
                    {
                        end--;
                        length -= units[end].Length;
                    }
                }
                else
                {
                    // Break after the last line end in the second half of the piece, when there is one.
                    for (var i = end - 1; i > index + ((end - index) / 2); i--)
                    {
                        if (units[i] == "\n")
                        {
                            end = i + 1;
                            break;
                        }
                    }
                }
            }

            if (end == index && !last)
            {
                break;
            }

            var chunk = string.Concat(units.Skip(index).Take(end - index));
            index = end;
            if (last && index < units.Count)
            {
                chunk += Ellipsis;
            }

            chunks.Add(chunk);
        }

        if (chunks.Count == 0)
        {
            chunks.Add(string.Empty);
        }

        return chunks;
    }

    /// <summary>A trusted link as Slack's <c>&lt;url|label&gt;</c>; the URL's own control characters are percent-encoded or escaped.</summary>
    public static string? Link(Uri? uri, string label)
    {
        if (uri is not { IsAbsoluteUri: true } || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return null;
        }

        var url = uri.AbsoluteUri
            .Replace("|", "%7C", StringComparison.Ordinal)
            .Replace("<", "%3C", StringComparison.Ordinal)
            .Replace(">", "%3E", StringComparison.Ordinal)
            .Replace(" ", "%20", StringComparison.Ordinal)
            .Replace("&", "&amp;", StringComparison.Ordinal);
        return $"<{url}|{Escape(label)}>";
    }

    /// <summary>A time as people read it in the message, in UTC.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static List<string> Units(string text)
    {
        var units = new List<string>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                units.Add(text.Substring(i, 2));
                i++;
                continue;
            }

            units.Add(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\r' => string.Empty,
                _ => c.ToString(),
            });
        }

        units.RemoveAll(u => u.Length == 0);
        return units;
    }
}

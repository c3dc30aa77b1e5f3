using System.Text;

namespace Agents.Contracts;

/// <summary>
/// Text from outside (an operator's note, an actor, an audit detail) as PostgreSQL can store it: NUL and lone
/// surrogates, which it refuses (losing the row), become U+FFFD, and the text is cut to a length.
/// </summary>
public static class StorableText
{
    /// <summary>
    /// <paramref name="value"/> with NUL and lone surrogates replaced by U+FFFD and at most <paramref name="max"/>
    /// characters: a longer text is cut, never between the halves of a surrogate pair, and ends with "…".
    /// </summary>
    public static string Bounded(string value, int max)
    {
        var clean = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length;)
        {
            // A lone surrogate decodes as U+FFFD, consuming it alone.
            Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var consumed);
            clean.Append((rune.Value == 0 ? Rune.ReplacementChar : rune).ToString());
            i += Math.Max(1, consumed);
        }

        if (clean.Length <= max)
        {
            return clean.ToString();
        }

        var cut = char.IsHighSurrogate(clean[max - 2]) ? max - 2 : max - 1;
        return clean.ToString(0, cut) + "…";
    }
}

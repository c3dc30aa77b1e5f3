using System.Text.RegularExpressions;
using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>
/// Turns log lines (from Loki or Datadog logs) into a few <see cref="LogPattern"/>s: lines that differ only in their
/// variable parts count as one pattern.
/// <para>
/// A line is normalised by replacing, in this order: ISO-8601 timestamps (<c>2026-11-24T02:13:00.123Z</c>,
/// <c>2026-11-24 02:13:00</c>) with <c>&lt;time&gt;</c>; UUIDs with <c>&lt;id&gt;</c>; IPv4 addresses with an optional
/// port with <c>&lt;ip&gt;</c>; hexadecimal ids of 8 characters or more that mix letters and digits (trace ids, hashes)
/// or start with <c>0x</c> with <c>&lt;hex&gt;</c>; and numbers (with decimals, units such as <c>123ms</c> included)
/// that do not follow a letter, digit, <c>_</c> or <c>.</c> (so <c>v7.4.2</c>, <c>http2</c> and <c>utf8</c> stay) with
/// <c>&lt;n&gt;</c>. Runs of whitespace (newlines of a stack trace too) become one space. Quoted strings are kept: lines
/// are often JSON or logfmt, where replacing every quoted string would leave nothing but keys.
/// </para>
/// <para>
/// At most <see cref="ContextBounds.MaxLogLines"/> lines are read (the first ones given: sources pass the newest first),
/// and only the first <see cref="MaxLineLength"/> characters of each. The pattern is cut to
/// <see cref="ContextBounds.MaxTextLength"/> (lines that agree that far count as one), the sample is the newest line of
/// the pattern, shortened the same way. The <see cref="ContextBounds.MaxLogPatterns"/> most frequent patterns are kept
/// (then the most recently seen first).
/// </para>
/// </summary>
public static partial class LogPatternGrouper
{
    /// <summary>Characters of a line looked at; the rest of a very long line (a dump, a huge JSON document) is ignored.</summary>
    public const int MaxLineLength = 8192;

    /// <summary>Groups <paramref name="lines"/> (time and text, newest first) into the most frequent patterns.</summary>
    public static IReadOnlyList<LogPattern> Group(
        IEnumerable<(DateTimeOffset At, string Line)> lines,
        string source,
        string query,
        ContextWindow window,
        ContextBounds bounds)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(bounds);
        var groups = new Dictionary<string, PatternGroup>(StringComparer.Ordinal);
        foreach (var (at, line) in lines.Take(bounds.MaxLogLines))
        {
            var pattern = bounds.Shorten(Normalise(line));
            if (pattern.Length == 0)
            {
                continue;
            }

            if (!groups.TryGetValue(pattern, out var group))
            {
                groups[pattern] = new PatternGroup(at, line);
                continue;
            }

            group.Add(at, line);
        }

        return groups
            .OrderByDescending(g => g.Value.Count)
            .ThenByDescending(g => g.Value.LastSeen)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(bounds.MaxLogPatterns)
            .Select(g => new LogPattern
            {
                Source = source,
                Query = query,
                From = window.Start,
                To = window.End,
                Pattern = g.Key,
                Count = g.Value.Count,
                FirstSeen = g.Value.FirstSeen,
                LastSeen = g.Value.LastSeen,
                Sample = bounds.Shorten(CollapseWhitespace(g.Value.Sample)),
            })
            .ToList();
    }

    /// <summary><paramref name="line"/> with its variable parts replaced by placeholders and its whitespace collapsed.</summary>
    public static string Normalise(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Length > MaxLineLength ? line[..MaxLineLength] : line;
        text = Timestamp().Replace(text, "<time>");
        text = Uuid().Replace(text, "<id>");
        text = IPv4().Replace(text, "<ip>");
        text = HexId().Replace(text, "<hex>");
        text = Number().Replace(text, "<n>");
        return CollapseWhitespace(text);
    }

    private static string CollapseWhitespace(string text) =>
        Whitespace().Replace(text.Length > MaxLineLength ? text[..MaxLineLength] : text, " ").Trim();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex IPv4();

    [GeneratedRegex(@"\b(?:0x[0-9a-fA-F]+|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,})\b", RegexOptions.CultureInvariant)]
    private static partial Regex HexId();

    [GeneratedRegex(@"(?<![A-Za-z_\d.])\d+(?:\.\d+)*", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    private sealed class PatternGroup(DateTimeOffset at, string line)
    {
        public int Count { get; private set; } = 1;

        public DateTimeOffset FirstSeen { get; private set; } = at;

        public DateTimeOffset LastSeen { get; private set; } = at;

        /// <summary>The newest line of the pattern.</summary>
        public string Sample { get; private set; } = line;

        public void Add(DateTimeOffset at, string line)
        {
            Count++;
            if (at < FirstSeen)
            {
                FirstSeen = at;
            }

            if (at > LastSeen)
            {
                LastSeen = at;
                Sample = line;
            }
        }
    }
}

using System.Text.RegularExpressions;

namespace Agents.Context.Sources.PagerDuty;

/// <summary>
/// How alike two incident titles are: the Jaccard index of their sets of words (letters and digits, lower-cased, at least
/// three characters, a few filler words left out), 0 (nothing shared) to 1 (the same words).
/// </summary>
internal static partial class TitleSimilarity
{
    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "from", "into", "over", "are", "was", "were", "has", "have", "not", "this", "that", "critical",
    };

    public static IReadOnlySet<string> Words(string? text) =>
        text is null
            ? new HashSet<string>()
            : Word().Matches(text.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length >= 3 && !Filler.Contains(w)).ToHashSet(StringComparer.Ordinal);

    public static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }

        var shared = a.Count(b.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }

    /// <summary>The best likeness of <paramref name="title"/> to any of <paramref name="references"/> (e.g. the alert's summary and the triage summary), rounded to 3 decimals.</summary>
    public static double Score(string? title, IEnumerable<IReadOnlySet<string>> references)
    {
        var words = Words(title);
        return Math.Round(references.Select(r => Jaccard(words, r)).DefaultIfEmpty(0).Max(), 3);
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();
}

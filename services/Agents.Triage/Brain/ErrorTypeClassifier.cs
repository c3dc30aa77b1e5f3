using System.Text.RegularExpressions;
using Agents.Contracts.Alerts;

namespace Agents.Triage.Brain;

/// <summary>
/// Decides the class of failure an alert reports from keywords. Texts are read most telling first: the
/// summary, the <c>alertname</c> label, annotation values, the values of descriptive labels, then label and
/// annotation names (so a label <c>error_rate=0.2</c> counts). The first text with a keyword decides; within
/// one text the classes rank error-rate, latency, saturation, availability. Words are split on punctuation and
/// camel case (<c>HighErrorRate</c> reads as <c>high error rate</c>) and matched whole or by stem, so that
/// <c>download</c> is not <c>down</c>.
/// </summary>
public static partial class ErrorTypeClassifier
{
    public const string ErrorRate = "error-rate";
    public const string Latency = "latency";
    public const string Saturation = "saturation";
    public const string Availability = "availability";
    public const string Unknown = "unknown";

    /// <summary>Labels whose values name things (hosts, teams, severities) rather than describe the failure.</summary>
    private static readonly HashSet<string> IdentityLabels = new(StringComparer.OrdinalIgnoreCase)
    {
        "alertname", "severity", "priority", "service", "app", "application", "job", "instance", "namespace",
        "pod", "container", "host", "node", "cluster", "env", "environment", "region", "team", "owner",
    };

    private static readonly Rule[] Rules =
    [
        new(ErrorRate, Words: [], Stems: ["error", "exception"], Contains: ["5xx"], Phrases: [["failure", "rate"], ["failure", "ratio"]]),
        new(Latency, Words: [], Stems: ["latency", "slow", "timeout", "p99"], Contains: [], Phrases: [["timed", "out"]]),
        new(Saturation, Words: [], Stems: ["cpu", "memory", "oom", "saturat", "disk", "throttl"], Contains: [], Phrases: []),
        new(Availability, Words: ["down"], Stems: ["unavailab", "unreachab", "health", "unhealth", "crash"], Contains: [], Phrases: []),
    ];

    /// <summary>The error type, with the keyword that decided it and where it was found (both null for <see cref="Unknown"/>).</summary>
    public static (string ErrorType, string? Keyword, string? Where) Classify(AlertPayload alert)
    {
        foreach (var (where, text) in Texts(alert))
        {
            var tokens = Tokenize(text);
            foreach (var rule in Rules)
            {
                if (rule.Match(tokens) is { } keyword)
                {
                    return (rule.ErrorType, keyword, where);
                }
            }
        }

        return (Unknown, null, null);
    }

    /// <summary>Lower-case words of <paramref name="text"/>, split on anything but letters and digits and on camel case.</summary>
    public static IReadOnlyList<string> Tokenize(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : NonAlphanumeric().Split(CamelBoundary().Replace(text, " ").ToLowerInvariant())
                .Where(t => t.Length > 0)
                .ToList();

    private static IEnumerable<(string Where, string Text)> Texts(AlertPayload alert)
    {
        yield return ("the summary", alert.Summary);
        if (LabelLookup.Find(alert.Labels, "alertname") is { } alertName)
        {
            yield return ("the alert name", alertName);
        }

        foreach (var (key, value) in alert.Annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            yield return ($"the annotation '{key}'", value);
        }

        foreach (var (key, value) in alert.Labels.Where(l => !IdentityLabels.Contains(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            yield return ($"the label '{key}'", value);
        }

        foreach (var key in alert.Labels.Keys.Concat(alert.Annotations.Keys).Order(StringComparer.Ordinal))
        {
            yield return ($"the name of the label or annotation '{key}'", key);
        }
    }

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex CamelBoundary();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();

    private sealed record Rule(string ErrorType, string[] Words, string[] Stems, string[] Contains, string[][] Phrases)
    {
        public string? Match(IReadOnlyList<string> tokens)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                if (Words.Contains(token)
                    || Stems.Any(s => token.StartsWith(s, StringComparison.Ordinal))
                    || Contains.Any(c => token.Contains(c, StringComparison.Ordinal)))
                {
                    return token;
                }

                foreach (var phrase in Phrases)
                {
                    if (i + phrase.Length <= tokens.Count && phrase.Select((word, j) => tokens[i + j] == word).All(m => m))
                    {
                        return string.Join(' ', phrase);
                    }
                }
            }

            return null;
        }
    }
}

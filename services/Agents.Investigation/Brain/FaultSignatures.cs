using System.Text.RegularExpressions;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;

namespace Agents.Investigation.Brain;

/// <summary>
/// Faults that name themselves in the evidence: a configuration error, an expired or untrusted certificate, a full disk.
/// Read from the error log patterns and pod events the context gathered and (certificate and disk only) the alert's own
/// text, whose words are compared after splitting camel case and punctuation (<c>SSLCertificateExpiringSoon</c> reads
/// <c>ssl certificate expiring soon</c>); a phrase matches from the start of a word (<c>disk full</c> is not in
/// <c>floppydisk full</c>) and may end inside one (<c>certificate expir</c> stands for expired, expires, expiry). The
/// alert's text is matched as data, never followed.
/// </summary>
internal static partial class FaultSignatures
{
    /// <summary>What a signature was found in: the evidence item and when it was first seen (null for the alert's text).</summary>
    public sealed record Finding(Evidence Evidence, DateTimeOffset? FirstSeen);

    private static readonly string[] ConfigWords =
    [
        "invalid configuration", "configuration error", "config error", "invalid config", "bad config", "malformed config",
        "failed to load config", "failed to parse config", "could not parse config", "cannot parse config", "config validation failed",
        "missing required config", "missing required setting", "missing required environment variable", "unknown config key",
        "unknown configuration key", "create container config error", "configuration invalid",
    ];

    private static readonly string[] CertificateWords =
    [
        "x509", "certificate has expired", "certificate expired", "certificate expir", "cert expir", "certificate is not yet valid",
        "certificate verify failed", "tls handshake", "ssl handshake", "unknown authority", "certificate signed by unknown",
    ];

    private static readonly string[] DiskWords =
    [
        "no space left on device", "enospc", "disk full", "disk is full", "disk will fill", "disk space", "disk usage", "disk quota",
        "filesystem full", "file system full", "filesystem space", "filesystem avail", "disk pressure", "ephemeral storage", "out of disk",
        "volume full",
    ];

    /// <summary>Configuration errors in the logs or pod events (never from the alert's text: it rarely knows).</summary>
    public static IReadOnlyList<Finding> ConfigErrors(IncidentContext context) => InTelemetry(context, ConfigWords);

    /// <summary>Certificate errors in the logs or pod events, or a certificate's expiry in the alert.</summary>
    public static IReadOnlyList<Finding> CertificateErrors(IncidentContext context, string alertText) =>
        [.. InTelemetry(context, CertificateWords), .. InAlert(alertText, CertificateWords)];

    /// <summary>A full disk in the logs or pod events, or a filling file system in the alert.</summary>
    public static IReadOnlyList<Finding> DiskErrors(IncidentContext context, string alertText) =>
        [.. InTelemetry(context, DiskWords), .. InAlert(alertText, DiskWords)];

    /// <summary>The alert's words: the triage summary, the alert's labels and annotations (names and values).</summary>
    public static string AlertText(Facts facts) =>
        string.Join(" \n ", facts.Context.AlertDetails.SelectMany(d => new[] { d.Key, d.Value }).Prepend(facts.Triage.Summary));

    private static List<Finding> InTelemetry(IncidentContext context, string[] words)
    {
        List<Finding> found = [];
        foreach (var pattern in context.LogPatterns.Where(p => Mentions(p.Pattern, words) || Mentions(p.Sample, words)))
        {
            found.Add(new Finding(new Evidence
            {
                Kind = "log",
                Description = $"{pattern.Count} log lines like \"{pattern.Pattern}\" since {Describe.Time(pattern.FirstSeen)}",
                ObservedAt = pattern.FirstSeen,
                Source = pattern.Source,
                Query = pattern.Query,
            }, pattern.FirstSeen));
        }

        foreach (var e in context.WorkloadEvents.Where(e => Mentions(e.Reason, words) || Mentions(e.Message, words)))
        {
            found.Add(new Finding(new Evidence
            {
                Kind = "workload",
                Description = $"{e.Object}: {e.Reason} ×{e.Count} since {Describe.Time(e.FirstSeen)}{(e.Message is { } m ? $" ({m})" : "")}",
                ObservedAt = e.FirstSeen,
                Source = e.Source,
                Query = e.Query,
            }, e.FirstSeen));
        }

        return found;
    }

    private static List<Finding> InAlert(string alertText, string[] words)
    {
        var normal = Normalise(alertText);
        var word = words.FirstOrDefault(w => normal.Contains(" " + w, StringComparison.Ordinal));
        return word is null ? [] : [new Finding(new Evidence { Kind = "alert", Description = $"The alert reads \"{word}\"" }, null)];
    }

    private static bool Mentions(string? text, string[] words)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var normal = Normalise(text);
        return words.Any(w => normal.Contains(" " + w, StringComparison.Ordinal));
    }

    /// <summary>Lower-case words separated by single spaces, camel case split, with a space at each end.</summary>
    private static string Normalise(string text) =>
        " " + string.Join(' ', NonAlphanumeric().Split(CamelBoundary().Replace(text, " ").ToLowerInvariant()).Where(t => t.Length > 0)) + " ";

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex CamelBoundary();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();
}

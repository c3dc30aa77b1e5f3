using System.Security.Cryptography;
using System.Text;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Fingerprints for alerts that bring none. The hash input is a sequence of parts, each followed by the ASCII unit
/// separator (0x1F); a label is its name, the record separator (0x1E), then its value; labels come sorted by name
/// (ordinal). The fingerprint is a prefix and the first 32 hex digits (lower case) of the SHA-256 of that text in
/// UTF-8. Times, severity, status and annotations never go in, so the same alert repeated later gets the same one.
/// </summary>
internal static class AlertFingerprints
{
    private const char PartSeparator = '\u001F';
    private const char ValueSeparator = '\u001E';
    private const int HexDigits = 32;

    /// <summary><c>gen-</c> + hash of source, service, summary and the labels (all trimmed, as parsed).</summary>
    public static string Generic(string source, string service, string summary, IReadOnlyDictionary<string, string> labels) =>
        "gen-" + Hash([source, service, summary], labels);

    /// <summary><c>am-</c> + hash of the labels alone (what Alertmanager itself fingerprints an alert by).</summary>
    public static string FromLabels(IReadOnlyDictionary<string, string> labels) => "am-" + Hash([], labels);

    /// <summary><c>sha256-</c> + the whole SHA-256 (64 hex digits) of a fingerprint too long to store as it is.</summary>
    public static string Oversized(string fingerprint) =>
        "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)));

    private static string Hash(IEnumerable<string> parts, IReadOnlyDictionary<string, string> labels)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part).Append(PartSeparator);
        }

        foreach (var (name, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(ValueSeparator).Append(value).Append(PartSeparator);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash)[..HexDigits];
    }
}

using System.Text.RegularExpressions;

namespace Agents.Context.Sources;

/// <summary>
/// Removes what looks like a credential from text read from outside (a log line, an incident note, an event message, an
/// API's error) before it enters a context, which the API shows and a model may read: <c>Authorization:</c> values,
/// bearer tokens, JWTs, <c>password=</c> / <c>token=</c> / <c>api_key=</c> / <c>secret=</c> values, the user and password
/// of a URL, and AWS access key ids. Each becomes <c>[redacted]</c>. It is a net for the usual shapes, not a proof.
/// </summary>
public static partial class CredentialScrubber
{
    public const string Redacted = "[redacted]";

    public static string Scrub(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = AuthorizationHeader().Replace(text, m => $"{m.Groups["name"].Value}{Redacted}");
        text = Bearer().Replace(text, $"Bearer {Redacted}");
        text = Jwt().Replace(text, Redacted);
        text = UrlUserInfo().Replace(text, $"://{Redacted}@");
        text = KeyValue().Replace(text, m => $"{m.Groups["key"].Value}{m.Groups["sep"].Value}{Redacted}");
        return AwsAccessKey().Replace(text, Redacted);
    }

    [GeneratedRegex(@"(?<name>(?i:\b(?:proxy-)?authorization)\s*[:=]\s*)(?:(?i:bearer|basic|token|digest|aws4-hmac-sha256)\s+)?[^\s,;""']+")]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"(?i)\bbearer\s+(?!\[redacted\])[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex Bearer();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"://[^/\s:@]+:[^/\s@]+@")]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?<key>(?i)\b(?:password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|api[_-]?key|apikey|access[_-]?key|private[_-]?key)\b)(?<sep>""?\s*[:=]\s*""?)(?!\[redacted\])[^\s,;""'&]+")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsAccessKey();
}

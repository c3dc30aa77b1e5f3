using System.Text;
using Microsoft.AspNetCore.Http;

namespace Agents.Ingress.Verification;

/// <summary>
/// Alertmanager's <c>webhook_configs</c> (and Grafana's webhook contact point) authenticate as their
/// <c>http_config</c> says: <c>authorization: {credentials: TOKEN}</c> sends <c>Authorization: Bearer TOKEN</c>,
/// <c>basic_auth: {username, password}</c> sends <c>Authorization: Basic base64(username:password)</c>.
/// </summary>
public sealed class AlertmanagerVerifier : IWebhookVerifier
{
    public string Kind => WebhookKinds.Alertmanager;

    public bool NeedsBody(IHeaderDictionary headers) => false;

    public Verdict Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, WebhookSource source, DateTimeOffset now) =>
        VerifyToken(headers, source) ?? VerifyBasic(headers, source)
        ?? Verdict.Refused(Verdict.Unauthenticated, "missing or wrong credentials: send Authorization: Bearer <token> or Basic");

    /// <summary>The bearer token, when the source has one and the request carries it; null when it does not apply.</summary>
    internal static Verdict? VerifyToken(IHeaderDictionary headers, WebhookSource source) =>
        Credentials.Authorization(headers, "Bearer") is { } token && Credentials.Same(token, source.Token)
            ? Verdict.By("bearer")
            : null;

    private static Verdict? VerifyBasic(IHeaderDictionary headers, WebhookSource source)
    {
        if (string.IsNullOrEmpty(source.Username) || Credentials.Authorization(headers, "Basic") is not { } encoded)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        var userMatches = colon > 0 && Credentials.Same(decoded.AsSpan(0, colon), source.Username);
        var passwordMatches = colon > 0 && Credentials.Same(decoded.AsSpan(colon + 1), source.Password);
        return userMatches & passwordMatches ? Verdict.By("basic") : null;
    }
}

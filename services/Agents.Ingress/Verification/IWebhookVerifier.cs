using Microsoft.AspNetCore.Http;

namespace Agents.Ingress.Verification;

/// <summary>
/// Checks a webhook's credentials for one kind of source. One class per kind; registered together by
/// <see cref="IngressExtensions.AddIngress"/>.
/// </summary>
public interface IWebhookVerifier
{
    /// <summary>The kind (<see cref="WebhookKinds"/>) whose requests this verifier checks.</summary>
    string Kind { get; }

    /// <summary>
    /// Whether the credentials in <paramref name="headers"/> sign the body: when they do not (a bearer token, basic
    /// auth) they are verified before the body is read, with an empty body.
    /// </summary>
    bool NeedsBody(IHeaderDictionary headers);

    /// <summary>Whether <paramref name="headers"/> and <paramref name="body"/> prove the request comes from <paramref name="source"/>.</summary>
    Verdict Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, WebhookSource source, DateTimeOffset now);
}

/// <summary>
/// A verifier's answer: <see cref="Method"/> (how the request was verified: <c>bearer</c>, <c>basic</c>,
/// <c>hmac-sha256</c>, ...) when it was, else the refusal's <see cref="Reason"/> code and a message that names no secret.
/// </summary>
public readonly record struct Verdict(string? Method, string Reason, string Message)
{
    public const string Unauthenticated = "unauthenticated";
    public const string BadSignature = "bad_signature";
    public const string ExpiredSignature = "expired_signature";

    public bool Verified => Method is not null;

    public static Verdict By(string method) => new(method, "ok", "verified");

    public static Verdict Refused(string reason, string message) => new(null, reason, message);
}

using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Agents.Ingress.Verification;

/// <summary>
/// The generic format's webhooks: <c>X-Agents-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of
/// "&lt;t&gt;.&lt;body&gt;"&gt;</c> under the source's secret, refused when <c>t</c> is further than
/// <see cref="IngressOptions.SignatureWindow"/> (5 minutes) from now, so a captured request cannot be replayed later;
/// or, for senders that cannot sign, <c>Authorization: Bearer &lt;token&gt;</c>.
/// </summary>
public sealed class GenericVerifier(IOptions<IngressOptions> options) : IWebhookVerifier
{
    public const string SignatureHeader = "X-Agents-Signature";

    public string Kind => WebhookKinds.Generic;

    public bool NeedsBody(IHeaderDictionary headers) => headers.ContainsKey(SignatureHeader);

    public Verdict Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, WebhookSource source, DateTimeOffset now)
    {
        var header = headers[SignatureHeader].ToString();
        if (header.Length == 0)
        {
            return AlertmanagerVerifier.VerifyToken(headers, source)
                ?? Verdict.Refused(Verdict.Unauthenticated, $"missing {SignatureHeader} (or Authorization: Bearer <token>)");
        }

        var stamp = Credentials.Parameters(header, "t").FirstOrDefault();
        if (!Credentials.TryUnixSeconds(stamp, out var signedAt))
        {
            return Verdict.Refused(Verdict.BadSignature, $"{SignatureHeader} has no t=<unix seconds>");
        }

        var window = options.Value.SignatureWindow;
        if (signedAt < now - window || signedAt > now + window)
        {
            return Verdict.Refused(Verdict.ExpiredSignature,
                $"the signature's timestamp is more than {window.TotalMinutes:0.#} minutes from now (replayed or a wrong clock)");
        }

        // What was signed: the timestamp as sent, a dot, the body.
        var prefix = Encoding.ASCII.GetBytes(stamp + ".");
        foreach (var signature in Credentials.Parameters(header, "v1"))
        {
            if (Credentials.SignedBy(signature, prefix, body, source.Secrets()))
            {
                return Verdict.By("hmac-sha256-timestamped");
            }
        }

        return Verdict.Refused(Verdict.BadSignature, $"no v1 signature in {SignatureHeader} matches t.body");
    }
}

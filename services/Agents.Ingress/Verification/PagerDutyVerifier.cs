using Microsoft.AspNetCore.Http;

namespace Agents.Ingress.Verification;

/// <summary>
/// PagerDuty v3 webhook subscriptions sign each delivery: <c>X-PagerDuty-Signature: v1=&lt;hex HMAC-SHA256 of the raw
/// body under the subscription's secret&gt;</c>. While PagerDuty rotates a secret the header holds several
/// comma-separated signatures; any one that verifies accepts the request.
/// </summary>
public sealed class PagerDutyVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "X-PagerDuty-Signature";

    public string Kind => WebhookKinds.PagerDuty;

    public bool NeedsBody(IHeaderDictionary headers) => true;

    public Verdict Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, WebhookSource source, DateTimeOffset now)
    {
        var header = headers[SignatureHeader].ToString();
        if (header.Length == 0)
        {
            return Verdict.Refused(Verdict.Unauthenticated, $"missing {SignatureHeader}");
        }

        foreach (var signature in Credentials.Parameters(header, "v1"))
        {
            if (Credentials.SignedBy(signature, [], body, source.Secrets()))
            {
                return Verdict.By("hmac-sha256");
            }
        }

        return Verdict.Refused(Verdict.BadSignature, $"no v1 signature in {SignatureHeader} matches the body");
    }
}

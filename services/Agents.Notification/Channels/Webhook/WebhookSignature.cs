using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Notification.Channels.Webhook;

/// <summary>
/// The signature of the ingress's generic webhooks (services/Agents.Ingress/Verification/GenericVerifier.cs, docs/ingress.md):
/// <c>X-Agents-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;." followed by the body&gt;</c>,
/// keyed with the UTF-8 bytes of the secret, lower-case hex. A receiver checks <c>t</c> against its clock (the ingress
/// refuses more than 5 minutes off) so that a captured request cannot be replayed later. So our own ingress can receive
/// what this channel sends, with the same secret.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Agents-Signature";

    /// <summary>The header's value for <paramref name="body"/> signed at <paramref name="signedAt"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body, DateTimeOffset signedAt)
    {
        var t = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(t + "."));
        hmac.AppendData(body);
        return $"t={t},v1={Convert.ToHexStringLower(hmac.GetHashAndReset())}";
    }
}

using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Testing;

/// <summary>
/// Builds webhook requests for the ingress exactly as their senders document them: PagerDuty's
/// <c>X-PagerDuty-Signature: v1=&lt;hex HMAC-SHA256(body)&gt;</c>, the generic
/// <c>X-Agents-Signature: t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256("t.body")&gt;</c>, Alertmanager's bearer token or basic auth.
/// Compiled into each test project that needs it.
/// </summary>
internal static class WebhookSigning
{
    public static string Hmac(string secret, byte[] data) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));

    public static string PagerDutySignature(byte[] body, params string[] secrets) =>
        string.Join(",", secrets.Select(s => "v1=" + Hmac(s, body)));

    public static string GenericSignature(string secret, byte[] body, DateTimeOffset signedAt)
    {
        var t = signedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"t={t},v1={Hmac(secret, [.. Encoding.ASCII.GetBytes(t + "."), .. body])}";
    }

    public static HttpRequestMessage Post(string kind, byte[] body, string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpRequestMessage(HttpMethod.Post, $"webhooks/{kind}") { Content = content };
    }

    public static HttpRequestMessage Alertmanager(byte[] body, string token)
    {
        var request = Post("alertmanager", body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static HttpRequestMessage PagerDuty(byte[] body, params string[] secrets)
    {
        var request = Post("pagerduty", body);
        request.Headers.Add("X-PagerDuty-Signature", PagerDutySignature(body, secrets));
        return request;
    }

    public static HttpRequestMessage Generic(byte[] body, string secret, DateTimeOffset signedAt)
    {
        var request = Post("generic", body);
        request.Headers.Add("X-Agents-Signature", GenericSignature(secret, body, signedAt));
        return request;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local receiver of the notification service's generic webhook: <c>POST /hooks/{anything}</c>, checked as the ingress
/// checks its generic webhooks (services/Agents.Ingress/Verification/GenericVerifier.cs): <c>X-Agents-Signature:
/// t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t." + body&gt;</c> under <see cref="Secret"/>, computed with
/// <see cref="WebhookSigning"/> (the ingress tests' signer), with <c>t</c> at most 5 minutes from now; a missing or wrong
/// signature gets 401, a body that is not JSON 400, else 204 (or the next <see cref="Plan"/>ned reply: 429 with
/// <c>Retry-After</c>, 5xx ...). Every request is recorded (<see cref="Deliveries"/>, thread-safe). Compiled into each
/// test project that needs it; startable standalone for the end-to-end tests.
/// </summary>
internal sealed class FakeWebhookReceiver : IAsyncDisposable
{
    public const string DefaultSecret = "whsec_fake-receiver-5d1c9e";

    public static readonly TimeSpan SignatureWindow = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _plan = new();

    private FakeWebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        Secret = secret;
    }

    public string Secret { get; }

    public string BaseUrl { get; private set; } = null!;

    /// <summary>The URL to configure as the channel's <c>Url</c>.</summary>
    public string HookUrl => BaseUrl + "hooks/agents";

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    /// <summary>The requests whose signature verified.</summary>
    public IReadOnlyList<Delivery> Verified => Deliveries.Where(d => d.SignatureError is null).ToList();

    /// <summary>One received request: headers (names lower-case), body, and why its signature failed (null: it verified).</summary>
    public sealed record Delivery(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? SignatureError, int AnsweredStatus)
    {
        public string Text => Encoding.UTF8.GetString(Body);

        public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
    }

    public sealed record Reply(HttpStatusCode Status, string Body = "", TimeSpan? RetryAfter = null);

    public static async Task<FakeWebhookReceiver> Start(string secret = DefaultSecret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeWebhookReceiver(app, secret);
        app.MapPost("/hooks/{**name}", fake.Handle);
        await app.StartAsync();
        fake.BaseUrl = app.Urls.Single().TrimEnd('/') + "/";
        return fake;
    }

    /// <summary>Answers the next requests with <paramref name="replies"/>, in order (after the signature check).</summary>
    public void Plan(params Reply[] replies)
    {
        foreach (var reply in replies)
        {
            _plan.Enqueue(reply);
        }
    }

    /// <summary>Why <paramref name="header"/> does not sign <paramref name="body"/> under <paramref name="secret"/> at <paramref name="now"/>, or null.</summary>
    public static string? SignatureError(string? header, byte[] body, string secret, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "missing X-Agents-Signature";
        }

        var parts = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .Select(p => (Key: p[0].Trim().ToLowerInvariant(), Value: p[1].Trim()))
            .ToList();
        var stamp = parts.FirstOrDefault(p => p.Key == "t").Value;
        if (!long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
        {
            return "X-Agents-Signature has no t=<unix seconds>";
        }

        var signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (signedAt < now - SignatureWindow || signedAt > now + SignatureWindow)
        {
            return "the signature's timestamp is more than 5 minutes from now";
        }

        // What was signed: the timestamp as sent, a dot, the body (the ingress's definition, via the tests' signer).
        var expected = Encoding.ASCII.GetBytes(WebhookSigning.Hmac(secret, [.. Encoding.ASCII.GetBytes(stamp + "."), .. body]));
        return parts.Any(p => p.Key == "v1" && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(p.Value.ToLowerInvariant()), expected))
            ? null
            : "no v1 signature in X-Agents-Signature matches t.body";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task Handle(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var body = buffer.ToArray();
        var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var error = SignatureError(headers.GetValueOrDefault("x-agents-signature"), body, Secret, DateTimeOffset.UtcNow);

        Reply reply;
        if (error is not null)
        {
            reply = new Reply(HttpStatusCode.Unauthorized, $$"""{"error":"{{error}}"}""");
        }
        else if (!IsJsonObject(body) || !(http.Request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            reply = new Reply(HttpStatusCode.BadRequest, """{"error":"the body must be a JSON object (application/json)"}""");
        }
        else
        {
            reply = _plan.TryDequeue(out var planned) ? planned : new Reply(HttpStatusCode.NoContent);
        }

        Deliveries.Enqueue(new Delivery(http.Request.Path.Value ?? "/", headers, body, error, (int)reply.Status));
        http.Response.StatusCode = (int)reply.Status;
        if (reply.RetryAfter is { } after)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (reply.Body.Length > 0)
        {
            http.Response.ContentType = reply.Body.StartsWith('{') ? "application/json" : "text/plain";
            await http.Response.WriteAsync(reply.Body);
        }
    }

    private static bool IsJsonObject(byte[] body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}

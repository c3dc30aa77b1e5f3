using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local deploy tool's API (Argo CD, Jenkins, GitHub Actions …) for the remediation HTTP executor: any method and path.
/// A request is authorised when it carries <c>Authorization: Bearer <see cref="Token"/></c>, or, for
/// <see cref="HmacHeader"/>, <c>sha256=&lt;hex HMAC-SHA256 of the body under <see cref="HmacKey"/>&gt;</c>; else 401. An
/// authorised request gets 200 <c>{"ok":true}</c>, or the next <see cref="Plan"/>ned reply (500, a 302 redirect …).
/// Every request is recorded (<see cref="Requests"/>) with whether it was authorised. Compiled into each test project
/// that needs it.
/// </summary>
internal sealed class FakeDeployTool : IAsyncDisposable
{
    public const string DefaultToken = "argocd-token-7f3a9c1e5b2d4f60";
    public const string DefaultHmacKey = "deploy-hmac-key-0c9b8a7d6e5f4a3b";
    public const string HmacHeader = "X-Signature-256";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _plan = new();

    private FakeDeployTool(WebApplication app) => _app = app;

    public string Token { get; set; } = DefaultToken;

    public string HmacKey { get; set; } = DefaultHmacKey;

    /// <summary>The base address, ending with a slash.</summary>
    public string BaseUrl { get; private set; } = null!;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The authorised requests: what a test counts as executions.</summary>
    public IReadOnlyList<Received> Authorised => Requests.Where(r => r.Authorised).ToList();

    /// <summary>One request as received: method, path and query, headers (names lower-case), body, whether authorised, the status answered.</summary>
    public sealed record Received(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body, bool Authorised, int Status)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
    }

    /// <summary>A reply for the next authorised request; <paramref name="Location"/> makes a redirect.</summary>
    public sealed record Reply(HttpStatusCode Status, string Body = "", string? Location = null);

    public static async Task<FakeDeployTool> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeDeployTool(app);
        app.Run(fake.Handle);
        await app.StartAsync();
        fake.BaseUrl = app.Urls.Single().TrimEnd('/') + "/";
        return fake;
    }

    /// <summary>The replies of the next authorised requests, in order (then 200 again).</summary>
    public void Plan(params Reply[] replies)
    {
        foreach (var reply in replies)
        {
            _plan.Enqueue(reply);
        }
    }

    /// <summary>The signature header value for <paramref name="body"/> under <paramref name="key"/>.</summary>
    public static string Sign(string key, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(body)));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task Handle(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var bearer = headers.GetValueOrDefault("authorization") == $"Bearer {Token}";
        var signature = headers.GetValueOrDefault(HmacHeader.ToLowerInvariant());
        var signed = signature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(Sign(HmacKey, body)));
        var authorised = bearer || signed;
        var reply = !authorised
            ? new Reply(HttpStatusCode.Unauthorized, "{\"error\":\"unauthorized\"}")
            : _plan.TryDequeue(out var planned) ? planned : new Reply(HttpStatusCode.OK, "{\"ok\":true}");
        Requests.Enqueue(new Received(
            context.Request.Method, context.Request.Path.Value + context.Request.QueryString.Value, headers, body, authorised, (int)reply.Status));
        context.Response.StatusCode = (int)reply.Status;
        if (reply.Location is not null)
        {
            context.Response.Headers.Location = reply.Location;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body, context.RequestAborted);
    }
}

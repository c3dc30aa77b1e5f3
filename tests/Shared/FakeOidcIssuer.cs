using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local OIDC issuer as far as a resource server sees one: <c>/.well-known/openid-configuration</c> naming the issuer
/// and its <c>jwks_uri</c>, and the JWKS with the public half of an RSA key generated here. <see cref="Token"/> signs
/// RS256 access tokens with it; <see cref="ForeignToken"/> signs with a key the JWKS does not hold. Compiled into each
/// test project that needs it.
/// </summary>
internal sealed class FakeOidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _foreign = RSA.Create(2048);
    private readonly string _keyId = Guid.NewGuid().ToString("N")[..12];

    private FakeOidcIssuer(WebApplication app) => _app = app;

    /// <summary>The issuer URL (<c>iss</c> of its tokens, <c>Auth__Jwt__Authority</c> of the API).</summary>
    public string Issuer { get; private set; } = null!;

    /// <summary>How many times the JWKS was fetched.</summary>
    public int KeySetRequests => _keySetRequests;

    private int _keySetRequests;

    public static async Task<FakeOidcIssuer> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var issuer = new FakeOidcIssuer(app);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = $"{issuer.Issuer}/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
        }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref issuer._keySetRequests);
            var p = issuer._key.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = issuer._keyId, n = Base64Url(p.Modulus!), e = Base64Url(p.Exponent!) } },
            });
        });
        await app.StartAsync();
        issuer.Issuer = app.Urls.Single().TrimEnd('/');
        return issuer;
    }

    /// <summary>An RS256 access token for <paramref name="audience"/> with the claims given (and iss, iat, nbf, exp).</summary>
    public string Token(string audience, IReadOnlyDictionary<string, object> claims, TimeSpan? lifetime = null, string? issuer = null) =>
        Sign(_key, audience, claims, lifetime ?? TimeSpan.FromMinutes(10), issuer ?? Issuer);

    /// <summary>A token that looks right but is signed with a key the issuer never published.</summary>
    public string ForeignToken(string audience, IReadOnlyDictionary<string, object> claims) =>
        Sign(_foreign, audience, claims, TimeSpan.FromMinutes(10), Issuer);

    private string Sign(RSA key, string audience, IReadOnlyDictionary<string, object> claims, TimeSpan lifetime, string issuer)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>(claims)
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = Math.Min(now.ToUnixTimeSeconds(), (now + lifetime).ToUnixTimeSeconds() - 1),
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
        };
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = _keyId }));
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{body}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{body}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
        _foreign.Dispose();
    }
}

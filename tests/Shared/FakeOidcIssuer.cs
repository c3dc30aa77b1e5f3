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
/// RS256 access tokens with it; <see cref="ForeignToken"/> signs with a key the JWKS does not hold. For a browser, the
/// authorization code flow with PKCE: <c>/authorize</c> signs in at once the person <see cref="SignInAs"/> named (no
/// login form) and <c>/token</c> exchanges the code for an ID token with their roles. Compiled into each test project
/// that needs it.
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

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Grant> _codes = new();
    private volatile Person? _person;

    /// <summary>Who a browser sent to <c>/authorize</c> is signed in as from now on (null: nobody, <c>/authorize</c> answers 400).</summary>
    public void SignInAs(string? name, params string[] roles) => _person = name is null ? null : new Person(name, roles);

    /// <summary>How many authorization codes were exchanged at <c>/token</c>.</summary>
    public int CodesExchanged => _codesExchanged;

    private int _codesExchanged;

    private sealed record Person(string Name, string[] Roles);

    private sealed record Grant(string ClientId, string RedirectUri, string? Nonce, string? Challenge, Person Person);

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
            ["authorization_endpoint"] = $"{issuer.Issuer}/authorize",
            ["token_endpoint"] = $"{issuer.Issuer}/token",
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["grant_types_supported"] = new[] { "authorization_code" },
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
        app.MapGet("/authorize", (HttpRequest request) => issuer.Authorize(request));
        app.MapPost("/token", (HttpRequest request) => issuer.Exchange(request));
        await app.StartAsync();
        issuer.Issuer = app.Urls.Single().TrimEnd('/');
        return issuer;
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        if (_person is not { } person)
        {
            return Results.BadRequest("nobody signs in: call SignInAs first");
        }

        if (q["response_type"] != "code" || string.IsNullOrEmpty(q["client_id"]) || !Uri.TryCreate(q["redirect_uri"], UriKind.Absolute, out var redirect))
        {
            return Results.BadRequest("response_type=code, client_id and an absolute redirect_uri are required");
        }

        if (!string.IsNullOrEmpty(q["code_challenge"]) && q["code_challenge_method"] != "S256")
        {
            return Results.BadRequest("only S256 code challenges");
        }

        var code = Base64Url(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new Grant(q["client_id"]!, redirect.AbsoluteUri, q["nonce"], q["code_challenge"], person);
        var separator = string.IsNullOrEmpty(redirect.Query) ? "?" : "&";
        return Results.Redirect($"{redirect.AbsoluteUri}{separator}code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(q["state"].ToString())}");
    }

    private async Task<IResult> Exchange(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant))
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var verifier = form["code_verifier"].ToString();
        var challengeMet = grant.Challenge is null
            || Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) == grant.Challenge;
        if (form["client_id"] != grant.ClientId || form["redirect_uri"] != grant.RedirectUri || !challengeMet)
        {
            return Results.Json(new { error = "invalid_grant", error_description = "client, redirect URI or code verifier differ" }, statusCode: 400);
        }

        Interlocked.Increment(ref _codesExchanged);
        var accessToken = Base64Url(RandomNumberGenerator.GetBytes(32));
        var claims = new Dictionary<string, object>
        {
            ["sub"] = $"sub-{grant.Person.Name}",
            ["preferred_username"] = grant.Person.Name,
            ["roles"] = grant.Person.Roles,
            // The left half of the access token's SHA-256, as OIDC Core 3.3.2.11 has it.
            ["at_hash"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken))[..16]),
        };
        if (grant.Nonce is not null)
        {
            claims["nonce"] = grant.Nonce;
        }

        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = 600,
            ["id_token"] = Sign(_key, grant.ClientId, claims, TimeSpan.FromMinutes(10), Issuer),
        });
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

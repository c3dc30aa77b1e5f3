using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Agents.Api.Security;

/// <summary>
/// Authenticates an API key sent as <c>X-Api-Key: &lt;key&gt;</c> or <c>Authorization: Bearer &lt;key&gt;</c>: the key's
/// SHA-256 is compared, in constant time, with every configured hash. The identity is <c>apikey:&lt;name&gt;</c> with the
/// key's one role. No key is ever logged; a wrong key is told apart from a missing one only in the 401's wording.
/// </summary>
public sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>The claim with the key's configured name (for its own rate limits).</summary>
    public const string KeyNameClaim = "agents:api-key";

    /// <summary>Longest key read: anything longer is no key of ours, and is not hashed.</summary>
    private const int MaxKeyLength = 256;

    private readonly IReadOnlyList<(string Name, string Role, byte[] Hash)> _keys =
        [.. auth.Value.ApiKeys.Select(k => (k.Key, k.Value.Role, k.Value.HashBytes() ?? []))];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Presented(Request);
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (key.Length is 0 or > MaxKeyLength)
        {
            return Task.FromResult(AuthenticateResult.Fail("the API key is empty or too long"));
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        (string Name, string Role)? match = null;
        foreach (var candidate in _keys)
        {
            // Every entry is compared, so the time taken does not say which (or whether one) matched.
            if (CryptographicOperations.FixedTimeEquals(hash, candidate.Hash))
            {
                match = (candidate.Name, candidate.Role);
            }
        }

        if (match is not { } found)
        {
            return Task.FromResult(AuthenticateResult.Fail("the API key is not one this API knows"));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ApiIdentity.ActorClaim, $"apikey:{found.Name}"),
                new Claim(ApiIdentity.MethodClaim, ApiIdentity.ApiKeyMethod),
                new Claim(KeyNameClaim, found.Name),
                new Claim(ClaimTypes.Role, found.Role),
            ],
            SchemeName, ApiIdentity.ActorClaim, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    /// <summary>The key in <c>X-Api-Key</c>, else a bearer credential that is not a JWT; null when there is none.</summary>
    internal static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header))
        {
            return header.ToString().Trim();
        }

        return Bearer(request) is { } bearer && !LooksLikeJwt(bearer) ? bearer : null;
    }

    /// <summary>The credential of <c>Authorization: Bearer &lt;credential&gt;</c>, or null.</summary>
    internal static string? Bearer(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    /// <summary>A compact JWS: three base64url parts separated by dots (API keys have no dots).</summary>
    internal static bool LooksLikeJwt(string credential) => credential.Count(c => c == '.') == 2;
}

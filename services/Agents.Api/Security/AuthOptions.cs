using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Agents.Api.Security;

/// <summary>
/// Who may call the API (<c>Auth__*</c>): OIDC/JWT bearer tokens from an identity provider, API keys for automation
/// (stored as hashes), or (Development only) nobody checked at all.
/// </summary>
public sealed partial class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>The prefix of a stored API key hash: <c>sha256:</c> and 64 hex digits of the key's SHA-256.</summary>
    public const string HashPrefix = "sha256:";

    /// <summary>OIDC / JWT bearer tokens; off unless <see cref="JwtOptions.Authority"/> is set.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary><c>Auth__ApiKeys__&lt;name&gt;__Hash</c> and <c>__Role</c>: one entry per key.</summary>
    public Dictionary<string, ApiKeyOptions> ApiKeys { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// <c>Auth__Disabled=true</c>: every request is treated as an admin and claims reviewer without any credential.
    /// Refused outside the Development environment; logged as Critical when the API starts.
    /// </summary>
    public bool Disabled { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Disabled && ApiKeys.Count == 0 && string.IsNullOrWhiteSpace(Jwt.Authority))
        {
            yield return new ValidationResult(
                "Auth: no way to authenticate is configured: set Auth__ApiKeys__<name>__Hash and __Role (deploy/local/up.sh makes a local admin key), "
                + "or Auth__Jwt__Authority and Auth__Jwt__Audience for OIDC. (Auth__Disabled=true runs without authentication, in Development only.)");
        }

        if (!string.IsNullOrWhiteSpace(Jwt.Authority))
        {
            if (!Uri.TryCreate(Jwt.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            {
                yield return new ValidationResult("Auth:Jwt:Authority must be an absolute http(s) URL (the issuer, e.g. https://login.example.com/realms/ops).");
            }
            else if (authority.Scheme == "http" && Jwt.RequireHttpsMetadata)
            {
                yield return new ValidationResult("Auth:Jwt:Authority is http://: the signing keys would come over plain HTTP. Use https, or set Auth__Jwt__RequireHttpsMetadata=false for a local issuer.");
            }

            if (string.IsNullOrWhiteSpace(Jwt.Audience))
            {
                yield return new ValidationResult("Auth:Jwt:Audience is required with Auth:Jwt:Authority: tokens issued for other applications must not be accepted.");
            }
        }

        foreach (var (name, key) in ApiKeys)
        {
            if (!KeyName().IsMatch(name))
            {
                yield return new ValidationResult($"Auth:ApiKeys:{name}: a key's name may hold letters, digits, '.', '_' and '-' (at most 64).");
            }

            if (key.HashBytes() is null)
            {
                yield return new ValidationResult(
                    $"Auth:ApiKeys:{name}:Hash must be '{HashPrefix}' and the 64 hex digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum); the key itself is never configured.");
            }

            if (key.PermitsPerSecond is < 1 or > 100_000 || key.Burst is < 1 or > 100_000)
            {
                yield return new ValidationResult($"Auth:ApiKeys:{name}: PermitsPerSecond and Burst must be between 1 and 100000 when set.");
            }

            if (!ApiRoles.All.Contains(key.Role))
            {
                yield return new ValidationResult($"Auth:ApiKeys:{name}:Role must be one of {string.Join(", ", ApiRoles.All)}.");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex KeyName();
}

public sealed class JwtOptions
{
    /// <summary>The issuer (<c>Auth__Jwt__Authority</c>); its <c>/.well-known/openid-configuration</c> names the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience a token must be issued for (<c>Auth__Jwt__Audience</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that carries the roles (<c>Auth__Jwt__RoleClaim</c>, default <c>roles</c>); its values must be the API's role names.</summary>
    [Required]
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The claim that names the person in the audit trail (<c>Auth__Jwt__NameClaim</c>); <c>sub</c> when absent.</summary>
    [Required]
    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Whether the issuer's metadata must come over HTTPS (<c>Auth__Jwt__RequireHttpsMetadata</c>).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

public sealed class ApiKeyOptions
{
    /// <summary><c>sha256:&lt;64 hex&gt;</c> of the key.</summary>
    public string Hash { get; set; } = "";

    /// <summary>One of <see cref="ApiRoles.All"/>.</summary>
    public string Role { get; set; } = "";

    /// <summary>This key's own rate (requests per second), instead of <c>Api__RateLimitPerSecond</c>: e.g. more for a busy automation.</summary>
    public int? PermitsPerSecond { get; set; }

    /// <summary>This key's own burst, instead of <c>Api__RateLimitBurst</c>.</summary>
    public int? Burst { get; set; }

    /// <summary>The SHA-256 the hash names, or null when it is malformed.</summary>
    public byte[]? HashBytes()
    {
        if (!Hash.StartsWith(AuthOptions.HashPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var hex = Hash[AuthOptions.HashPrefix.Length..];
        try
        {
            return hex.Length == 64 ? Convert.FromHexString(hex) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

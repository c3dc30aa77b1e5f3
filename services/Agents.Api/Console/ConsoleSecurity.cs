using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Agents.Api.Security;
using Agents.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Agents.Api.OperatorConsole;

/// <summary>The operator console (<c>Console__*</c>): how people sign in with OIDC, and how many live lists it feeds.</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>The console's client id at the identity provider (<c>Console__OidcClientId</c>); redirect URI <c>{api}/ui/signin-oidc</c>.</summary>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string OidcClientId { get; set; } = "agents-console";

    /// <summary>The client secret, when the identity provider gives the console one (<c>Console__OidcClientSecret</c>).</summary>
    public string? OidcClientSecret { get; set; }

    /// <summary>Most browsers watching the live incidents list at once; more are answered 503 (<c>Console__MaxLiveConnections</c>).</summary>
    [Range(1, 10_000)]
    public int MaxLiveConnections { get; set; } = 100;

    /// <summary>How often a live list asks the orchestrator again (<c>Console__LiveInterval</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The Prometheus the incident page reads the hypothesis's metric series from (<c>Console__PrometheusUrl</c>); when
    /// unset, the context agent's own (<c>Context__Sources__Prometheus__Url</c>); neither, no charts.
    /// </summary>
    public Uri? PrometheusUrl { get; set; }
}

/// <summary>
/// Sign-in for the console: a cookie session opened by the same OIDC issuer the API trusts (authorization code flow
/// with PKCE; the role from the same role claim) or by an API key typed into the sign-in form (checked by the API's own
/// <see cref="ApiKeyHandler"/>). The session carries the API's own identity claims, so roles, rate limits and the audit
/// trail treat a person in the console exactly as the same person calling the API.
/// </summary>
public static class ConsoleSecurity
{
    public const string Prefix = "/ui";
    public const string CookieScheme = "Console";
    public const string OidcScheme = "ConsoleOidc";
    public const string SignInPath = Prefix + "/signin";
    public const string CallbackPath = Prefix + "/signin-oidc";

    /// <summary>Authenticates console requests with the session cookie and sends anonymous people to the sign-in page.</summary>
    internal static readonly AuthorizeAttribute BySession = new() { AuthenticationSchemes = CookieScheme };

    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ConsoleOptions>(ConsoleOptions.SectionName);
        // One key ring for every replica (sessions and form tokens work on any of them, and across restarts).
        builder.Services.AddDataProtection().SetApplicationName("agents-api");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<AgentsConnections>((o, connections) =>
            o.XmlRepository = new PostgresKeyRing(connections.PostgresConnection));
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "agents-console-csrf";
            o.Cookie.Path = Prefix;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddSingleton<LiveIncidents>();
        builder.Services.AddHttpClient<EvidenceCharts>();

        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var console = builder.Configuration.GetSection(ConsoleOptions.SectionName).Get<ConsoleOptions>() ?? new ConsoleOptions();
        var schemes = builder.Services.AddAuthentication().AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "agents-console";
            o.Cookie.Path = Prefix;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = SignInPath;
            o.AccessDeniedPath = Prefix + "/forbidden";
            o.ReturnUrlParameter = "returnUrl";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            // A session made with an API key lasts only as long as that key, as configured when it signed in: removed,
            // rotated or given another role, the key's sessions end on their next request (on every replica).
            o.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = ctx =>
                {
                    if (ctx.Principal?.FindFirst(ApiKeyHandler.KeyNameClaim)?.Value is { } name
                        && ctx.Principal.FindFirst(KeyVersionClaim)?.Value != KeyVersion(ctx.HttpContext.RequestServices, name))
                    {
                        ctx.RejectPrincipal();
                        return ctx.HttpContext.SignOutAsync(CookieScheme);
                    }

                    return Task.CompletedTask;
                },
            };
        });
        if (!string.IsNullOrWhiteSpace(auth.Jwt.Authority))
        {
            schemes.AddOpenIdConnect(OidcScheme, o =>
            {
                o.Authority = auth.Jwt.Authority;
                o.RequireHttpsMetadata = auth.Jwt.RequireHttpsMetadata;
                o.ClientId = console.OidcClientId;
                o.ClientSecret = string.IsNullOrWhiteSpace(console.OidcClientSecret) ? null : console.OidcClientSecret;
                o.ResponseType = "code";
                // The code comes back on a top-level GET, so the correlation and nonce cookies can be SameSite=Lax.
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.CallbackPath = CallbackPath;
                o.SignInScheme = CookieScheme;
                o.MapInboundClaims = false;
                o.SaveTokens = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.TokenValidationParameters.RoleClaimType = auth.Jwt.RoleClaim;
                o.TokenValidationParameters.NameClaimType = auth.Jwt.NameClaim;
                foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
                {
                    cookie.SameSite = SameSiteMode.Lax;
                    cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                }

                o.Events = new OpenIdConnectEvents
                {
                    OnTokenValidated = ctx =>
                    {
                        var token = ctx.Principal!;
                        var subject = token.FindFirst("sub")?.Value ?? "unknown";
                        var name = token.FindFirst(auth.Jwt.NameClaim)?.Value ?? subject;
                        var roles = token.FindAll(auth.Jwt.RoleClaim).Select(c => c.Value);
                        ctx.Principal = Person($"oidc:{name}", ApiIdentity.OidcMethod, $"{token.FindFirst("iss")?.Value}|{subject}", roles);
                        return Task.CompletedTask;
                    },
                    OnRemoteFailure = ctx =>
                    {
                        ctx.Response.Redirect($"{SignInPath}?failed=oidc");
                        ctx.HandleResponse();
                        return Task.CompletedTask;
                    },
                };
            });
        }

        return builder;
    }

    /// <summary>
    /// Before the API's authentication: a console request without API credentials is the person of its session cookie,
    /// so the rate limiter and the audit trail see who it is (the API's own schemes find nothing and leave it).
    /// </summary>
    public static WebApplication UseConsoleSession(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments(Prefix)
                && !http.Request.Headers.ContainsKey(ApiKeyHandler.HeaderName) && !http.Request.Headers.ContainsKey("Authorization")
                && await http.AuthenticateAsync(CookieScheme) is { Succeeded: true } session)
            {
                http.User = session.Principal;
            }

            await next(http);
        });
        return app;
    }

    /// <summary>Whether OIDC sign-in is configured (the API trusts an issuer).</summary>
    internal static bool OidcEnabled(IServiceProvider services) =>
        !string.IsNullOrWhiteSpace(services.GetRequiredService<IOptions<AuthOptions>>().Value.Jwt.Authority);

    /// <summary>The session's principal: the API's identity claims and the roles it knows (anything else is dropped).</summary>
    internal static ClaimsPrincipal Person(string actor, string method, string subject, IEnumerable<string> roles)
    {
        List<Claim> claims =
        [
            new(ApiIdentity.ActorClaim, actor),
            new(ApiIdentity.MethodClaim, method),
            new(ApiIdentity.SubjectClaim, subject),
        ];
        claims.AddRange(roles.Where(ApiRoles.All.Contains).Distinct().Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme, ApiIdentity.ActorClaim, ClaimTypes.Role));
    }

    /// <summary>
    /// The identity an API key stands for, decided by the API's own <see cref="ApiKeyHandler"/> (same hashes, same
    /// constant-time comparison, same length bound); null when the key is not one the API knows.
    /// </summary>
    internal static async Task<ClaimsPrincipal?> FromApiKey(HttpContext http, string key)
    {
        var handler = ActivatorUtilities.CreateInstance<ApiKeyHandler>(http.RequestServices);
        var probe = new DefaultHttpContext { RequestServices = http.RequestServices };
        probe.Request.Headers[ApiKeyHandler.HeaderName] = key;
        await handler.InitializeAsync(new AuthenticationScheme(ApiKeyHandler.SchemeName, null, typeof(ApiKeyHandler)), probe);
        var result = await handler.AuthenticateAsync();
        if (!result.Succeeded)
        {
            return null;
        }

        var identity = ApiIdentity.Of(result.Principal);
        var person = Person(identity.Actor, identity.Method, identity.Subject, identity.Roles);
        // The key's name, for its own rate limits, and the version of its settings the session was made with.
        if (result.Principal.FindFirst(ApiKeyHandler.KeyNameClaim) is { } name)
        {
            ((ClaimsIdentity)person.Identity!).AddClaim(new Claim(ApiKeyHandler.KeyNameClaim, name.Value));
            ((ClaimsIdentity)person.Identity!).AddClaim(new Claim(KeyVersionClaim, KeyVersion(http.RequestServices, name.Value) ?? ""));
        }

        return person;
    }

    private const string KeyVersionClaim = "agents:key-version";

    /// <summary>A digest of the key's configured hash and role (null when no such key is configured any more).</summary>
    private static string? KeyVersion(IServiceProvider services, string keyName) =>
        services.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue.ApiKeys.TryGetValue(keyName, out var key)
            ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{key.Hash}\n{key.Role}")))[..16]
            : null;
}

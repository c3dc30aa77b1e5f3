using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Agents.Api.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Agents.Api.Security;

/// <summary>
/// Authentication (API keys, OIDC/JWT bearer tokens, or explicitly none in Development), one authorization policy per
/// role, per-identity rate limits and the audit trail, wired in the order they must run: authenticate, rate-limit,
/// audit (around) authorize, endpoint.
/// </summary>
public static class ApiSecurity
{
    /// <summary>The scheme that picks the API-key or the JWT handler for each request.</summary>
    private const string SelectorScheme = "Agents";
    private const string DisabledScheme = "Disabled";

    public static string PolicyOf(string role) => $"role:{role}";

    /// <summary>Requires <paramref name="role"/> (or a role above it) and records it for the start-up check and the OpenAPI document.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyOf(role)).WithMetadata(new RequiredRole(role));

    /// <summary>Marks an operator action: every call leaves an audit row under <paramref name="action"/>.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedAction(action));

    public static WebApplicationBuilder AddApiSecurity(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<AuthOptions>(AuthOptions.SectionName)
            .Validate(o => !o.Disabled || builder.Environment.IsDevelopment(),
                "Auth:Disabled=true is refused outside the Development environment: configure API keys or OIDC (Auth__ApiKeys__*, Auth__Jwt__*).");
        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var oidc = !string.IsNullOrWhiteSpace(auth.Jwt.Authority);

        var schemes = builder.Services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "API key or OIDC bearer token", o => o.ForwardDefaultSelector = http =>
                auth.Disabled && builder.Environment.IsDevelopment() ? DisabledScheme
                : oidc && ApiKeyHandler.Bearer(http.Request) is { } bearer && ApiKeyHandler.LooksLikeJwt(bearer)
                    && !http.Request.Headers.ContainsKey(ApiKeyHandler.HeaderName) ? JwtBearerDefaults.AuthenticationScheme
                : ApiKeyHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, DisabledHandler>(DisabledScheme, null);
        if (oidc)
        {
            schemes.AddJwtBearer(o =>
            {
                o.Authority = auth.Jwt.Authority;
                o.Audience = auth.Jwt.Audience;
                o.RequireHttpsMetadata = auth.Jwt.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.RoleClaimType = auth.Jwt.RoleClaim;
                o.TokenValidationParameters.NameClaimType = auth.Jwt.NameClaim;
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = ctx =>
                    {
                        if (ctx.Principal?.Identity is ClaimsIdentity identity)
                        {
                            // The API's own claims come from the API only: a token that carries them does not name its actor.
                            foreach (var forged in identity.Claims.Where(c => c.Type.StartsWith(ApiIdentity.ClaimPrefix, StringComparison.Ordinal)).ToList())
                            {
                                identity.RemoveClaim(forged);
                            }

                            var subject = identity.FindFirst("sub")?.Value ?? "unknown";
                            var name = identity.FindFirst(auth.Jwt.NameClaim)?.Value ?? subject;
                            identity.AddClaim(new Claim(ApiIdentity.ActorClaim, $"oidc:{name}"));
                            identity.AddClaim(new Claim(ApiIdentity.MethodClaim, ApiIdentity.OidcMethod));
                            // The person, for the rate limit: the issuer's subject, which a user cannot change (their name may).
                            identity.AddClaim(new Claim(ApiIdentity.SubjectClaim, $"{identity.FindFirst("iss")?.Value}|{subject}"));
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        }

        builder.Services.AddAuthorization(o =>
        {
            // An endpoint mapped without a role still needs someone signed in; the start-up check refuses it anyway.
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            foreach (var role in ApiRoles.All)
            {
                o.AddPolicy(PolicyOf(role), p => p.RequireAuthenticatedUser().RequireRole(ApiRoles.Satisfying(role)));
            }
        });

        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (IsProbe(http.Request.Path))
                {
                    return RateLimitPartition.GetNoLimiter("probes");
                }

                var limits = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
                var identity = ApiIdentity.Of(http.User);
                var key = identity.IsAuthenticated ? $"id:{identity.Subject}" : $"ip:{http.Connection.RemoteIpAddress}";
                // An API key may have limits of its own; callers without a credential share the tighter anonymous ones.
                var own = identity.Method == ApiIdentity.ApiKeyMethod
                    && http.User.FindFirst(ApiKeyHandler.KeyNameClaim)?.Value is { } name
                    && http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.ApiKeys.TryGetValue(name, out var apiKey)
                    ? apiKey : null;
                var (rate, burst) = identity.IsAuthenticated
                    ? (own?.PermitsPerSecond ?? limits.RateLimitPerSecond, own?.Burst ?? limits.RateLimitBurst)
                    : (limits.AnonymousRateLimitPerSecond, limits.AnonymousRateLimitBurst);
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = rate,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                ctx.HttpContext.Response.Headers.RetryAfter = "1";
                await Results.Problem(statusCode: 429, title: "Too many requests",
                    detail: "This identity sent more requests than its rate limit (Api__RateLimitPerSecond, Api__RateLimitBurst); retry after a second.")
                    .ExecuteAsync(ctx.HttpContext);
            };
        });

        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddHealthChecks().AddCheck<AuditHealthCheck>("audit-trail", tags: ["ready"]);
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>The middleware, in order; call before mapping the endpoints.</summary>
    public static WebApplication UseApiSecurity(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        // The audit trail's database must be configured: outside Development this throws, naming the variable, at start.
        _ = app.Services.GetRequiredService<Agents.Hosting.AgentsConnections>().PostgresConnection;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Agents.Api.Security");
        if (auth.Disabled)
        {
            ApiLog.AuthenticationDisabled(logger);
        }
        else
        {
            ApiLog.AuthenticationConfigured(logger, auth.ApiKeys.Count, string.Join(", ", auth.ApiKeys.Keys.Order()),
                string.IsNullOrWhiteSpace(auth.Jwt.Authority) ? "off" : $"from {auth.Jwt.Authority} for audience {auth.Jwt.Audience}");
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseMiddleware<AuditMiddleware>();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// Stops the API at start-up when an endpoint (other than health and metrics, which are anonymous) names no role:
    /// every endpoint must say who may call it.
    /// </summary>
    public static void RequireRoleOnEveryEndpoint(this WebApplication app)
    {
        var missing = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetMetadata<RequiredRole>() is null)
            .Select(e => $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}")
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"These API endpoints name no role (ApiSecurity.RequireRole): {string.Join("; ", missing)}");
        }
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    /// <summary>Auth__Disabled in Development: everyone is an admin and claims reviewer, named as such in the audit trail.</summary>
    private sealed class DisabledHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var identity = new ClaimsIdentity(
                [
                    new Claim(ApiIdentity.ActorClaim, "unauthenticated (Auth__Disabled)"),
                    new Claim(ApiIdentity.MethodClaim, ApiIdentity.DisabledMethod),
                    new Claim(ClaimTypes.Role, ApiRoles.Admin),
                    new Claim(ClaimTypes.Role, ApiRoles.ClaimsReviewer),
                ],
                DisabledScheme, ApiIdentity.ActorClaim, ClaimTypes.Role);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), DisabledScheme)));
        }
    }

    /// <summary>Ready only while the audit trail can be written: operator actions must leave their rows.</summary>
    private sealed class AuditHealthCheck(AuditTrail trail) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await trail.Probe(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e)
            {
                return HealthCheckResult.Unhealthy(
                    $"the audit trail (audit_log) cannot be reached: {e.GetBaseException().Message} (the orchestrator's migrations create it)");
            }
        }
    }
}

using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Agents.Api.Security;

/// <summary>
/// The API's OpenAPI document (<c>GET /openapi/v1.json</c>, any role): every endpoint with the role it requires and
/// the two ways to authenticate, a bearer credential (an API key or an OIDC access token) or <c>X-Api-Key</c>.
/// </summary>
public static class ApiDocument
{
    public const string Path = "/openapi/v1.json";
    private const string BearerScheme = "bearer";
    private const string KeyScheme = "apiKey";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Agents operator API";
                document.Info.Description =
                    "Incidents, claims, deliberations, dead letters and the audit trail. Every endpoint needs a credential: "
                    + "an API key (Authorization: Bearer <key>, or X-Api-Key) or an OIDC access token (Authorization: Bearer <jwt>).";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key, or an access token from the configured OIDC issuer (Auth__Jwt__Authority).",
                };
                document.Components.SecuritySchemes[KeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyHandler.HeaderName,
                    Description = "An API key (Auth__ApiKeys__<name>__Hash and __Role).",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<RequiredRole>().LastOrDefault() is { } required)
                {
                    operation.Security =
                    [
                        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
                        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(KeyScheme, context.Document)] = [] },
                    ];
                    var audited = metadata.OfType<AuditedAction>().LastOrDefault();
                    operation.Description = $"Requires the role {required.Role} ({string.Join(", ", ApiRoles.Satisfying(required.Role))})."
                        + (audited is null ? "" : $" Audited as {audited.Action}.");
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No credential, or one the API does not accept." });
                    operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The identity's role may not do this." });
                    operation.Responses.TryAdd("429", new OpenApiResponse { Description = "The identity's rate limit was exceeded." });
                }

                return Task.CompletedTask;
            });
        });
}

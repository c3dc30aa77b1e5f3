using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Agents.Api;
using Agents.Api.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator.Tests.Api;

/// <summary>
/// The API as built: every endpoint it maps names a role and is in its OpenAPI document, an endpoint
/// without a role stops it, and authentication can only be switched off in Development.
/// </summary>
public sealed partial class ApiEndpointTests
{
    private static readonly string KeyHash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("unit-test-key-0123456789")));

    private static string[] Args(string environment, params string[] more) =>
    [
        $"--environment={environment}",
        $"--RABBITMQ_URL={Environment.GetEnvironmentVariable("RABBITMQ_URL") ?? "amqp://guest:guest@127.0.0.1:5682"}",
        "--urls=http://127.0.0.1:0",
        "--POSTGRES_CONNECTION=Host=127.0.0.1;Port=5442;Username=agents;Password=agents;Database=agents",
        .. more,
    ];

    private static string[] WithKey(string environment = "Production") =>
        Args(environment, $"--Auth:ApiKeys:unit:Hash={KeyHash}", "--Auth:ApiKeys:unit:Role=admin");

    [Fact]
    public async Task Every_mapped_endpoint_names_a_role_and_appears_in_the_OpenAPI_document()
    {
        await using var app = ApiApplication.Build(WithKey());
        // The document is made from the endpoints the running app routes to (its bus connects to the local RabbitMQ).
        await app.StartAsync();
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        var anonymous = endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
            .Select(e => e.RoutePattern.RawText).Order().ToList();
        // Beside health and metrics, only what a person needs to sign in to the console (its page, the single sign-on
        // redirect, its stylesheet and script, the redirect from /, and the page saying a role does not allow something;
        // the sign-in page is mapped for GET and POST).
        Assert.Equal(["/", "/health/live", "/health/ready", "/metrics", "/ui/assets/{name}", "/ui/forbidden", "/ui/signin", "/ui/signin", "/ui/signin/oidc"], anonymous);

        var document = await app.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync();
        var published = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {p.Key}")).ToHashSet();
        var mapped = endpoints
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null && e.RoutePattern.RawText != ApiDocument.Path
                && !e.RoutePattern.RawText!.StartsWith(Agents.Api.OperatorConsole.ConsoleSecurity.Prefix + "/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {Template(e.RoutePattern.RawText!)}"))
            .ToList();
        Assert.True(mapped.Count >= 19, $"only {mapped.Count} endpoints mapped");
        Assert.All(endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null),
            e => Assert.NotNull(e.Metadata.GetMetadata<RequiredRole>()));
        var absent = mapped.Where(m => !published.Contains(m)).ToList();
        Assert.True(absent.Count == 0, $"mapped but not in the OpenAPI document: {string.Join(", ", absent)} (it has: {string.Join(", ", published)})");
        Assert.Equal(mapped.Order(), published.Order());
        Assert.Contains("bearer", document.Components!.SecuritySchemes!.Keys);
        Assert.Contains("apiKey", document.Components.SecuritySchemes.Keys);
        await app.StopAsync();
    }

    [Fact]
    public void An_endpoint_mapped_without_a_role_stops_the_API_at_start()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ApiApplication.Build(WithKey(), app => app.MapPost("/forgotten", () => "ok")));
        Assert.Contains("POST /forgotten", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_without_authentication_is_refused_outside_Development_and_allowed_in_it()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => ApiApplication.Build(Args("Production", "--Auth:Disabled=true")));
        Assert.Contains("refused outside the Development environment", refused.Message, StringComparison.Ordinal);

        var none = Assert.Throws<OptionsValidationException>(() => ApiApplication.Build(Args("Production")));
        Assert.Contains("no way to authenticate is configured", none.Message, StringComparison.Ordinal);

        using var development = ApiApplication.Build(Args("Development", "--Auth:Disabled=true"));
        Assert.True(development.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Disabled);
    }

    /// <summary>A route pattern as OpenAPI writes it: <c>{id:guid}</c> becomes <c>{id}</c>.</summary>
    private static string Template(string pattern) => RouteParameter().Replace(pattern, "{$1}");

    [GeneratedRegex(@"\{(\w+)(:[^}]*)?\}")]
    private static partial Regex RouteParameter();
}

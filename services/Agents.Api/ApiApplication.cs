using Agents.Api.Audit;
using Agents.Api.OperatorConsole;
using Agents.Api.Security;

namespace Agents.Api;

/// <summary>The API service, built: its wiring, its middleware in order, and every endpoint with its role.</summary>
public static class ApiApplication
{
    /// <param name="args">The command line (configuration, e.g. <c>--Auth:Disabled=true</c>).</param>
    /// <param name="mapMore">For tests: maps more endpoints before the start-up check that each names a role.</param>
    public static WebApplication Build(string[] args, Action<WebApplication>? mapMore = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddAgentsDefaults("api", "http://127.0.0.1:5080");
        builder.AddApi();
        builder.AddConsole();

        var app = builder.Build();
        app.UseConsoleSession();
        app.UseApiSecurity();
        app.UseAntiforgery();
        app.MapAgentsDefaults();
        app.MapIncidentEndpoints();
        app.MapScenarioExportEndpoints();
        app.MapClaimEndpoints();
        app.MapDeadLetterEndpoints();
        app.MapAuditEndpoints();
        app.MapRemediationEndpoints();
        app.MapConsole();
        app.MapOpenApi(ApiDocument.Path).RequireRole(ApiRoles.Viewer);
        mapMore?.Invoke(app);
        app.RequireRoleOnEveryEndpoint();
        return app;
    }
}

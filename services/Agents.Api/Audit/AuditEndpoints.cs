using Agents.Api.Security;

namespace Agents.Api.Audit;

/// <summary><c>GET /audit</c> (filters, newest first, paged back with <c>before</c>) and <c>GET /audit/verify</c>; admins only.</summary>
public static class AuditEndpoints
{
    public static WebApplication MapAuditEndpoints(this WebApplication app)
    {
        app.MapGet("/audit", List).RequireRole(ApiRoles.Admin);
        app.MapGet("/audit/verify", async (AuditTrail trail, CancellationToken ct) => Results.Ok(await trail.Verify(ct))).RequireRole(ApiRoles.Admin);
        return app;
    }

    private static async Task<IResult> List(
        string? actor, string? action, string? outcome, DateTimeOffset? since, DateTimeOffset? until, long? before, int? limit,
        AuditTrail trail, CancellationToken ct) =>
        ListArguments.Refusal(limit)
        ?? Results.Ok(await trail.List(new AuditTrail.Query(actor, action, outcome, since, until, before, limit ?? 100), ct));
}

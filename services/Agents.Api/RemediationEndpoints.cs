using Agents.Api.Audit;
using Agents.Api.Security;
using Agents.Hosting.Remediation;

namespace Agents.Api;

/// <summary>
/// The global remediation kill switch: <c>GET /remediation/kill-switch</c> (viewers) says whether remediation may execute
/// anything; <c>POST /remediation/kill-switch/engage</c> (operators: anyone on call can stop the machines) and
/// <c>POST /remediation/kill-switch/release</c> (admins) set it, with a reason, in the audit trail. It takes effect at
/// the next action step in every remediation replica; dry runs and approval requests go on.
/// </summary>
public static class RemediationEndpoints
{
    /// <summary>Body of the engage and release calls: why (required to engage).</summary>
    public sealed record KillSwitchBody(string? Reason);

    public static WebApplication MapRemediationEndpoints(this WebApplication app)
    {
        app.MapGet("/remediation/kill-switch", async (KillSwitch killSwitch, CancellationToken ct) => Results.Ok(View(await killSwitch.ReadAsync(ct))))
            .RequireRole(ApiRoles.Viewer);
        app.MapPost("/remediation/kill-switch/engage", (KillSwitchBody body, HttpContext http, KillSwitch killSwitch, CancellationToken ct) =>
            Set(true, body, http, killSwitch, ct)).RequireRole(ApiRoles.Operator).Audited("remediation.kill-switch.engage");
        app.MapPost("/remediation/kill-switch/release", (KillSwitchBody body, HttpContext http, KillSwitch killSwitch, CancellationToken ct) =>
            Set(false, body, http, killSwitch, ct)).RequireRole(ApiRoles.Admin).Audited("remediation.kill-switch.release");
        return app;
    }

    private static async Task<IResult> Set(bool engaged, KillSwitchBody body, HttpContext http, KillSwitch killSwitch, CancellationToken ct)
    {
        var reason = string.IsNullOrWhiteSpace(body.Reason) ? null : body.Reason.Trim();
        AuditMiddleware.Describe(http, reason is null ? "no reason" : $"reason={reason}");
        if (engaged && reason is null)
        {
            return Results.Problem(statusCode: 400, title: "A reason is required",
                detail: "Send {\"reason\": \"...\"} saying why remediation is stopped: it is shown to everyone the switch stops.");
        }

        if (reason is { Length: > IncidentEndpoints.MaxNoteLength })
        {
            return Results.Problem(statusCode: 400, title: "Reason too long", detail: $"A reason may hold at most {IncidentEndpoints.MaxNoteLength} characters.");
        }

        var state = await killSwitch.SetAsync(engaged, ApiIdentity.Of(http.User).Actor, reason, ct);
        var now = await killSwitch.ReadAsync(ct);
        return Results.Ok(View(now.Engaged == state.Engaged ? state : now));
    }

    private static object View(KillSwitchState state) => new
    {
        engaged = state.Engaged,
        source = state.Source,
        reason = state.Reason,
        setBy = state.SetBy,
        setAt = state.SetAt,
        description = state.Describe(),
    };
}

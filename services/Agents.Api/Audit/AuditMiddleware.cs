using System.Diagnostics;
using System.Diagnostics.Metrics;
using Agents.Api.Security;
using Agents.Hosting;

namespace Agents.Api.Audit;

/// <summary>
/// Writes the audit row of a request once it is answered: every call of an audited endpoint (the operator actions,
/// whatever their outcome), every refused attempt anywhere (401, 403, and any other write, such as one routing refused with 415), and reads an endpoint asked to have audited
/// (<see cref="Mark"/>: a claims reviewer reading personal data). Requests turned away by the rate limiter never get
/// here, so a flood cannot fill the trail. A row that cannot be written is logged as Critical with its fields and
/// counted (<c>agents_api_audit_failures_total</c>); the API's readiness check fails while the table cannot be reached.
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditTrail trail, TimeProvider clock, ILogger<AuditMiddleware> logger)
{
    private const string ActionItem = "agents.audit.action";
    private const string DetailItem = "agents.audit.detail";
    private const int MaxField = 512;
    private const int MaxDetail = 4096;

    private static readonly Counter<long> Failures =
        AgentsTelemetry.Meter.CreateCounter<long>("agents_api_audit_failures", description: "Audit rows the API could not write");

    /// <summary>Has the request audited as <paramref name="action"/> (a read that must leave a trace).</summary>
    public static void Mark(HttpContext http, string action) => http.Items[ActionItem] = action;

    /// <summary>Adds words to the request's audit row (what was asked: the step, the note, the message id).</summary>
    public static void Describe(HttpContext http, string detail) => http.Items[DetailItem] = detail;

    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        finally
        {
            var action = http.GetEndpoint()?.Metadata.GetMetadata<AuditedAction>()?.Action ?? http.Items[ActionItem] as string;
            // Also any write that never reached an endpoint of ours (routing answered it 405 or 415, say).
            var refused = http.Response.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
                || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
            if (action is not null || refused)
            {
                await Write(http, action ?? $"{http.Request.Method} {(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value}");
            }
        }
    }

    private async Task Write(HttpContext http, string action)
    {
        var identity = ApiIdentity.Of(http.User);
        var status = http.Response.StatusCode;
        var entry = new AuditEntry
        {
            At = clock.GetUtcNow(),
            Actor = Bounded(identity.Actor, MaxField),
            Roles = string.Join(",", identity.Roles),
            AuthMethod = identity.Method,
            Action = Bounded(action, MaxField),
            Target = Bounded(string.Join(" ", http.Request.RouteValues.Select(v => $"{v.Key}={v.Value}")), MaxField),
            RequestId = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier,
            ClientAddress = http.Connection.RemoteIpAddress?.ToString() ?? "",
            Outcome = status switch
            {
                < 400 => "succeeded",
                StatusCodes.Status401Unauthorized => "unauthenticated",
                StatusCodes.Status403Forbidden => "forbidden",
                < 500 => "refused",
                _ => "failed",
            },
            StatusCode = status,
            Detail = http.Items[DetailItem] is string detail ? Bounded(detail, MaxDetail) : null,
        };
        try
        {
            // Not the request's token: a client that hung up after the action still leaves its row.
            await trail.Append(entry, CancellationToken.None);
        }
        catch (Exception e)
        {
            Failures.Add(1);
            ApiLog.AuditNotWritten(logger, entry.Action, entry.Actor, entry.Target, entry.Outcome, entry.StatusCode, e.GetBaseException().Message);
        }
    }

    private static string Bounded(string value, int max) => value.Length <= max ? value : value[..(max - 1)] + "…";
}

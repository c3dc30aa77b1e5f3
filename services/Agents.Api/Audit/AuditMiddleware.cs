using System.Diagnostics;
using System.Diagnostics.Metrics;
using Agents.Api.Security;
using Agents.Contracts;
using Agents.Hosting;
using Agents.Hosting.Audit;

namespace Agents.Api.Audit;

/// <summary>
/// Writes the audit row of a request once it is answered: every call of an audited endpoint (the operator actions,
/// whatever their outcome), every refused attempt anywhere (401, 403, and any other write, such as one routing refused with 415), and reads an endpoint asked to have audited
/// (<see cref="Mark"/>: a claims reviewer reading personal data). Requests turned away by the rate limiter never get
/// here, so a flood cannot fill the trail. A row that cannot be written is logged as Critical with its fields and
/// counted (<c>agents_api_audit_failures_total</c>); the API's readiness check fails while the table cannot be reached.
/// Before an audited action the trail is probed: when it cannot be written the action is not done (503).
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

    /// <summary>The status recorded for a request whose client went away before it was answered (nginx's convention).</summary>
    public const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext http)
    {
        var audited = http.GetEndpoint()?.Metadata.GetMetadata<AuditedAction>()?.Action;
        if (audited is not null && http.User.Identity?.IsAuthenticated == true && !await Writable())
        {
            // Fail closed: an operator action that could leave no row is not done.
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Audit trail unavailable",
                    detail: "The audit trail cannot be written (is PostgreSQL reachable?), so nothing was done; retry once GET /health/ready answers 200.")
                .ExecuteAsync(http);
            await Write(http, audited, http.Response.StatusCode, "not done: the audit trail was unavailable");
            return;
        }

        int? thrown = null;
        try
        {
            await next(http);
        }
        catch (Exception)
        {
            // Recorded as what the client got: a 500 (the exception handler answers it), or nothing when it hung up.
            thrown = http.RequestAborted.IsCancellationRequested ? ClientClosedRequest : StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            var status = thrown ?? http.Response.StatusCode;
            var action = audited ?? http.Items[ActionItem] as string;
            // Also any write that never reached an endpoint of ours (routing answered it 405 or 415, say).
            var refused = status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
                || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
            if (action is not null || refused)
            {
                await Write(http, action ?? $"{http.Request.Method} {(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value}", status, null);
            }
        }
    }

    /// <summary>Whether the trail can take a row now (one round trip; only before operator actions, which are rare).</summary>
    private async Task<bool> Writable()
    {
        try
        {
            await trail.Probe(CancellationToken.None);
            return true;
        }
        catch (Exception e)
        {
            Failures.Add(1);
            ApiLog.AuditUnavailable(logger, e.GetBaseException().Message);
            return false;
        }
    }

    private async Task Write(HttpContext http, string action, int status, string? note)
    {
        var identity = ApiIdentity.Of(http.User);
        var detail = http.Items[DetailItem] as string;
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
                ClientClosedRequest => "aborted",
                < 500 => "refused",
                _ => "failed",
            },
            StatusCode = status,
            Detail = (detail, note) switch
            {
                (null, null) => null,
                (_, null) => Bounded(detail!, MaxDetail),
                (null, _) => note,
                _ => Bounded($"{note}; {detail}", MaxDetail),
            },
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

    private static string Bounded(string value, int max) => StorableText.Bounded(value, max);
}

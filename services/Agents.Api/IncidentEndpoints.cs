using Agents.Api.Audit;
using Agents.Api.Security;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Api;

public static class IncidentEndpoints
{
    public static WebApplication MapIncidentEndpoints(this WebApplication app)
    {
        app.MapGet("/incidents", ListIncidents).RequireRole(ApiRoles.Viewer);
        app.MapGet("/incidents/{id:guid}", GetIncident).RequireRole(ApiRoles.Viewer);
        app.MapGet("/incidents/{id:guid}/segments/{segment}/history", GetSegmentHistory).RequireRole(ApiRoles.Viewer);
        app.MapPost("/incidents/{id:guid}/rollback", Rollback).RequireRole(ApiRoles.Operator).Audited("incident.rollback");
        app.MapPost("/incidents/{id:guid}/rerun", Rerun).RequireRole(ApiRoles.Operator).Audited("incident.rerun");
        app.MapPost("/incidents/{id:guid}/acknowledge", Acknowledge).RequireRole(ApiRoles.Operator).Audited("incident.acknowledge");
        app.MapPost("/incidents/{id:guid}/resolve", Resolve).RequireRole(ApiRoles.Operator).Audited("incident.resolve");
        app.MapPost("/incidents/{id:guid}/approval", Decide).RequireRole(ApiRoles.Operator).Audited("incident.approval");
        return app;
    }

    private static async Task<IResult> ListIncidents(
        string? status, string? fingerprint, int? limit,
        IRequestClient<ListIncidents> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        if (ListArguments.Refusal(status, IncidentStatuses.All, limit) is { } refusal)
        {
            return refusal;
        }

        try
        {
            var response = await client.GetResponse<IncidentList>(
                new ListIncidents { Status = status, Fingerprint = fingerprint, Limit = limit ?? 50 },
                ct, options.Value.OrchestratorWait);
            return Results.Ok(response.Message.Items);
        }
        catch (RequestTimeoutException)
        {
            return OrchestratorUnavailable();
        }
    }

    private static async Task<IResult> GetIncident(
        Guid id, IRequestClient<GetIncident> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<IncidentDetails, IncidentNotFound>(
                new GetIncident { IncidentId = id },
                ct, options.Value.OrchestratorWait);
            return response.Is(out Response<IncidentDetails>? found)
                ? Results.Ok(found.Message with { TraceUrl = options.Value.TraceUrl(found.Message.TraceId) })
                : Results.Problem(statusCode: 404, title: "No such incident", detail: $"No incident {id}.");
        }
        catch (RequestTimeoutException)
        {
            return OrchestratorUnavailable();
        }
    }

    private static async Task<IResult> GetSegmentHistory(
        Guid id, string segment, IRequestClient<GetSegmentHistory> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        if (!IncidentSegments.All.Contains(segment) && !IncidentSegments.IsPluginStepName(segment))
        {
            return Results.Problem(statusCode: 400, title: "Unknown segment",
                detail: $"'{segment}' is not a segment; use one of {string.Join(", ", IncidentSegments.All)} or a plug-in step's name.");
        }

        try
        {
            var response = await client.GetResponse<SegmentHistory, IncidentNotFound>(
                new GetSegmentHistory { IncidentId = id, Segment = segment },
                ct, options.Value.OrchestratorWait);
            return response.Is(out Response<SegmentHistory>? found)
                ? Results.Ok(found.Message.Revisions)
                : Results.Problem(statusCode: 404, title: "No such incident", detail: $"No incident {id}.");
        }
        catch (RequestTimeoutException)
        {
            return OrchestratorUnavailable();
        }
    }

    /// <summary>Longest note an acknowledgement, a resolution or an approval decision may carry.</summary>
    public const int MaxNoteLength = 4096;

    /// <summary>Body of <c>POST /incidents/{id}/rollback</c>.</summary>
    public sealed record RollbackBody(string? Segment);

    /// <summary>Body of <c>POST /incidents/{id}/rerun</c>.</summary>
    public sealed record RerunBody(string? FromStep);

    /// <summary>Body of <c>POST /incidents/{id}/acknowledge</c>: an optional note.</summary>
    public sealed record AcknowledgeBody(string? Note);

    /// <summary>Body of <c>POST /incidents/{id}/resolve</c>: what was done (required).</summary>
    public sealed record ResolveBody(string? Note);

    /// <summary>
    /// Body of <c>POST /incidents/{id}/approval</c>: <c>approve</c> or <c>deny</c>, a note (required to deny), optionally the
    /// parameters changed on approval (each within the request's choices) and the hash of the request the approver read.
    /// </summary>
    public sealed record ApprovalBody(string? Decision, string? Note, Dictionary<string, string>? Parameters = null, string? RequestHash = null);

    /// <summary>Most parameters an approval may change, and the longest name or value.</summary>
    public const int MaxApprovalParameters = 16;
    public const int MaxParameterLength = 256;

    /// <summary>The decisions a human may take at a workflow's human approval gate, as <see cref="Agents.Contracts.Incidents.DecideApproval.Decision"/> carries them.</summary>
    public static IReadOnlyList<string> ApprovalDecisions { get; } = [RemediationApproval.Approve, RemediationApproval.Deny];

    private static Task<IResult> Rollback(
        Guid id, RollbackBody body, HttpContext http, IRequestClient<RollbackSegment> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        AuditMiddleware.Describe(http, $"segment={body.Segment}");
        return body.Segment is { } segment && (IncidentSegments.All.Contains(segment) || IncidentSegments.IsPluginStepName(segment))
            ? Operate(client, new RollbackSegment { IncidentId = id, Segment = segment, Actor = ApiIdentity.Of(http.User).Actor }, id, options, ct)
            : Task.FromResult(Results.Problem(statusCode: 400, title: "Unknown segment",
                detail: $"Send {{\"segment\": \"...\"}} with one of {string.Join(", ", IncidentSegments.All)} or a plug-in step's name."));
    }

    private static Task<IResult> Rerun(
        Guid id, RerunBody body, HttpContext http, IRequestClient<RerunIncident> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        AuditMiddleware.Describe(http, $"fromStep={body.FromStep}");
        return body.FromStep is { } step && (IncidentSteps.Agents.Contains(step) || IncidentSegments.IsPluginStepName(step))
            ? Operate(client, new RerunIncident { IncidentId = id, FromStep = step, Actor = ApiIdentity.Of(http.User).Actor }, id, options, ct)
            : Task.FromResult(Results.Problem(statusCode: 400, title: "Unknown step",
                detail: $"Send {{\"fromStep\": \"...\"}} with one of {string.Join(", ", IncidentSteps.Agents)} or a plug-in step of the incident's workflow."));
    }

    private static Task<IResult> Acknowledge(
        Guid id, AcknowledgeBody body, HttpContext http, IRequestClient<AcknowledgeIncident> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        var note = string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim();
        AuditMiddleware.Describe(http, note is null ? "no note" : $"note={note}");
        return note is { Length: > MaxNoteLength }
            ? Task.FromResult(NoteTooLong())
            : Operate(client, new AcknowledgeIncident { IncidentId = id, Actor = ApiIdentity.Of(http.User).Actor, Note = note }, id, options, ct);
    }

    private static Task<IResult> Resolve(
        Guid id, ResolveBody body, HttpContext http, IRequestClient<ResolveIncident> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        var note = body.Note?.Trim();
        AuditMiddleware.Describe(http, $"note={note}");
        return note switch
        {
            null or "" => Task.FromResult(Results.Problem(statusCode: 400, title: "A note is required",
                detail: "Send {\"note\": \"...\"} saying what was done: it is kept in the incident's timeline and the audit trail.")),
            { Length: > MaxNoteLength } => Task.FromResult(NoteTooLong()),
            _ => Operate(client, new ResolveIncident { IncidentId = id, Actor = ApiIdentity.Of(http.User).Actor, Note = note }, id, options, ct),
        };
    }

    private static Task<IResult> Decide(
        Guid id, ApprovalBody body, HttpContext http, IRequestClient<DecideApproval> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        var decision = body.Decision?.Trim().ToLowerInvariant();
        var note = string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim();
        AuditMiddleware.Describe(http, (note is null ? $"decision={decision}" : $"decision={decision} note={note}")
            + (body.Parameters is { Count: > 0 } p ? $" parameters={string.Join(",", p.Take(MaxApprovalParameters).Select(x => $"{x.Key}={x.Value}"))}" : ""));
        return (decision, note) switch
        {
            _ when decision is null || !ApprovalDecisions.Contains(decision) => Task.FromResult(Results.Problem(statusCode: 400, title: "Unknown decision",
                detail: $"Send {{\"decision\": \"...\"}} with one of {string.Join(", ", ApprovalDecisions)}.")),
            (RemediationApproval.Deny, null) => Task.FromResult(Results.Problem(statusCode: 400, title: "A note is required",
                detail: "Send {\"decision\": \"deny\", \"note\": \"...\"} saying why: it is kept in the incident's timeline and the audit trail.")),
            (_, { Length: > MaxNoteLength }) => Task.FromResult(NoteTooLong()),
            _ when body.Parameters is { } changes && (changes.Count > MaxApprovalParameters
                || changes.Any(c => c.Key.Length > MaxParameterLength || c.Value is null || c.Value.Length > MaxParameterLength)) =>
                Task.FromResult(Results.Problem(statusCode: 400, title: "Parameters out of bounds",
                    detail: $"At most {MaxApprovalParameters} parameters, each name and value a string of at most {MaxParameterLength} characters.")),
            _ when body.RequestHash is { Length: > 128 } => Task.FromResult(Results.Problem(statusCode: 400, title: "Request hash too long",
                detail: "requestHash is the 64 hexadecimal digits of the approval request's hash.")),
            _ => Operate(client, new DecideApproval
            {
                IncidentId = id, Decision = decision, Actor = ApiIdentity.Of(http.User).Actor, Note = note,
                Parameters = body.Parameters, RequestHash = body.RequestHash,
            }, id, options, ct),
        };
    }

    private static IResult NoteTooLong() =>
        Results.Problem(statusCode: 400, title: "Note too long", detail: $"A note may hold at most {MaxNoteLength} characters.");

    /// <summary>202 with what the orchestrator did, 409 with why it would not, 404 for an unknown incident.</summary>
    private static async Task<IResult> Operate<T>(IRequestClient<T> client, T command, Guid id, IOptions<ApiOptions> options, CancellationToken ct)
        where T : class
    {
        try
        {
            var response = await client.GetResponse<OperatorCommandAccepted, OperatorCommandRefused, IncidentNotFound>(
                command, ct, options.Value.OrchestratorWait);
            if (response.Is(out Response<OperatorCommandAccepted>? accepted))
            {
                return Results.Accepted($"/incidents/{id}", accepted.Message);
            }

            return response.Is(out Response<OperatorCommandRefused>? refused)
                ? Results.Problem(statusCode: 409, title: "Refused", detail: refused.Message.Reason)
                : Results.Problem(statusCode: 404, title: "No such incident", detail: $"No incident {id}.");
        }
        catch (RequestTimeoutException)
        {
            return OrchestratorUnavailable();
        }
    }

    internal static IResult OrchestratorUnavailable() =>
        Results.Problem(statusCode: 503, title: "Orchestrator unavailable",
            detail: "The orchestrator did not answer in time; is it running? (GET /health/ready on it tells)");
}

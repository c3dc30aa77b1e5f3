using Agents.Contracts;
using Agents.Contracts.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Api;

public static class IncidentEndpoints
{
    public static WebApplication MapIncidentEndpoints(this WebApplication app)
    {
        app.MapGet("/incidents", ListIncidents);
        app.MapGet("/incidents/{id:guid}", GetIncident);
        app.MapGet("/incidents/{id:guid}/segments/{segment}/history", GetSegmentHistory);
        app.MapPost("/incidents/{id:guid}/rollback", Rollback);
        app.MapPost("/incidents/{id:guid}/rerun", Rerun);
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
        if (!IncidentSegments.All.Contains(segment))
        {
            return Results.Problem(statusCode: 400, title: "Unknown segment",
                detail: $"'{segment}' is not a segment; use one of {string.Join(", ", IncidentSegments.All)}.");
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

    /// <summary>Body of <c>POST /incidents/{id}/rollback</c>.</summary>
    public sealed record RollbackBody(string? Segment);

    /// <summary>Body of <c>POST /incidents/{id}/rerun</c>.</summary>
    public sealed record RerunBody(string? FromStep);

    private static Task<IResult> Rollback(
        Guid id, RollbackBody body, IRequestClient<RollbackSegment> client, IOptions<ApiOptions> options, CancellationToken ct) =>
        body.Segment is { } segment && IncidentSegments.All.Contains(segment)
            ? Operate(client, new RollbackSegment { IncidentId = id, Segment = segment }, id, options, ct)
            : Task.FromResult(Results.Problem(statusCode: 400, title: "Unknown segment",
                detail: $"Send {{\"segment\": \"...\"}} with one of {string.Join(", ", IncidentSegments.All)}."));

    private static Task<IResult> Rerun(
        Guid id, RerunBody body, IRequestClient<RerunIncident> client, IOptions<ApiOptions> options, CancellationToken ct) =>
        body.FromStep is { } step && IncidentSteps.Agents.Contains(step)
            ? Operate(client, new RerunIncident { IncidentId = id, FromStep = step }, id, options, ct)
            : Task.FromResult(Results.Problem(statusCode: 400, title: "Unknown step",
                detail: $"Send {{\"fromStep\": \"...\"}} with one of {string.Join(", ", IncidentSteps.Agents)}."));

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

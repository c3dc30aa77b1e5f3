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
        return app;
    }

    private static async Task<IResult> ListIncidents(
        string? status, string? fingerprint, int? limit,
        IRequestClient<ListIncidents> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        if (status is not null && !IncidentStatuses.All.Contains(status))
        {
            return Results.Problem(statusCode: 400, title: "Unknown status",
                detail: $"'{status}' is not a status; use one of {string.Join(", ", IncidentStatuses.All)}.");
        }

        if (limit is < 1 or > 500)
        {
            return Results.Problem(statusCode: 400, title: "Bad limit", detail: "limit must be between 1 and 500.");
        }

        try
        {
            var response = await client.GetResponse<IncidentList>(
                new ListIncidents { Status = status, Fingerprint = fingerprint, Limit = limit ?? 50 },
                ct, RequestTimeout.After(ms: (int)options.Value.OrchestratorTimeout.TotalMilliseconds));
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
                ct, RequestTimeout.After(ms: (int)options.Value.OrchestratorTimeout.TotalMilliseconds));
            return response.Is(out Response<IncidentDetails>? found)
                ? Results.Ok(found.Message)
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
                ct, RequestTimeout.After(ms: (int)options.Value.OrchestratorTimeout.TotalMilliseconds));
            return response.Is(out Response<SegmentHistory>? found)
                ? Results.Ok(found.Message.Revisions)
                : Results.Problem(statusCode: 404, title: "No such incident", detail: $"No incident {id}.");
        }
        catch (RequestTimeoutException)
        {
            return OrchestratorUnavailable();
        }
    }

    private static IResult OrchestratorUnavailable() =>
        Results.Problem(statusCode: 503, title: "Orchestrator unavailable",
            detail: "The orchestrator did not answer in time; is it running? (GET /health/ready on it tells)");
}

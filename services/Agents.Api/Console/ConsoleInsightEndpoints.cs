using Agents.Api.Audit;
using Agents.Api.OperatorConsole.Pages;
using Agents.Api.Security;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Api.OperatorConsole;

/// <summary>The console's reading pages: a segment's versions and their diff, deliberations as a grid, the audit trail.</summary>
public static class ConsoleInsightEndpoints
{
    public static RouteGroupBuilder MapConsoleInsight(this RouteGroupBuilder ui)
    {
        ui.MapGet("/incidents/{id:guid}/segments/{segment}", Segment).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/deliberations", Deliberations).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/deliberations/{id:guid}", Deliberation).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/audit", Audit).RequireRole(ApiRoles.Admin);
        return ui;
    }

    private static async Task<IResult> Segment(
        Guid id, string segment, int? from, int? to, HttpContext http, IRequestClient<GetSegmentHistory> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        if (!IncidentSegments.All.Contains(segment) && !IncidentSegments.IsPluginStepName(segment))
        {
            return ConsoleEndpoints.Page<NoticePage>(http, new() { ["Title"] = "Unknown segment", ["Text"] = $"'{segment}' is not a segment." }, StatusCodes.Status404NotFound);
        }

        try
        {
            var response = await client.GetResponse<SegmentHistory, IncidentNotFound>(
                new GetSegmentHistory { IncidentId = id, Segment = segment }, ct, options.Value.OrchestratorWait);
            if (!response.Is(out Response<SegmentHistory>? found))
            {
                return ConsoleEndpoints.Page<NoticePage>(http, new() { ["Title"] = "No such incident", ["Text"] = $"There is no incident {id}." }, StatusCodes.Status404NotFound);
            }

            var revisions = found.Message.Revisions;
            var newer = revisions.FirstOrDefault(r => r.Version == to) ?? revisions.LastOrDefault();
            var older = revisions.FirstOrDefault(r => r.Version == from)
                ?? revisions.LastOrDefault(r => newer is not null && r.Version < newer.Version);
            var diff = newer is null ? [] : SegmentDiff.Of(older is null ? "" : SegmentDiff.Pretty(older.Value), SegmentDiff.Pretty(newer.Value));
            return ConsoleEndpoints.Page<SegmentPage>(http, new()
            {
                ["IncidentId"] = id, ["Segment"] = segment, ["Revisions"] = revisions, ["From"] = older, ["To"] = newer, ["Diff"] = diff,
            });
        }
        catch (RequestTimeoutException)
        {
            return ConsoleEndpoints.Unavailable(http);
        }
    }

    private static async Task<IResult> Deliberations(
        string? status, string? kind, HttpContext http, IRequestClient<ListDeliberations> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        status = status is not null && DeliberationStatuses.All.Contains(status) ? status : null;
        kind = string.IsNullOrWhiteSpace(kind) || kind.Length > 100 ? null : kind.Trim();
        try
        {
            var response = await client.GetResponse<DeliberationList>(new ListDeliberations { Status = status, Kind = kind, Limit = 100 }, ct, options.Value.OrchestratorWait);
            return ConsoleEndpoints.Page<DeliberationsPage>(http, new() { ["Items"] = response.Message.Items, ["Status"] = status, ["Kind"] = kind });
        }
        catch (RequestTimeoutException)
        {
            return ConsoleEndpoints.Unavailable(http);
        }
    }

    private static async Task<IResult> Deliberation(
        Guid id, HttpContext http, IRequestClient<GetDeliberation> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<DeliberationDetails, DeliberationNotFound>(new GetDeliberation { DeliberationId = id }, ct, options.Value.OrchestratorWait);
            return response.Is(out Response<DeliberationDetails>? found)
                ? ConsoleEndpoints.Page<DeliberationPage>(http, new() { ["Deliberation"] = found.Message })
                : ConsoleEndpoints.Page<NoticePage>(http, new() { ["Title"] = "No such deliberation", ["Text"] = $"There is no deliberation {id}." }, StatusCodes.Status404NotFound);
        }
        catch (RequestTimeoutException)
        {
            return ConsoleEndpoints.Unavailable(http);
        }
    }

    private static async Task<IResult> Audit(
        string? actor, string? action, string? outcome, long? before, string? verify, HttpContext http, AuditTrail trail, CancellationToken ct)
    {
        static string? Bounded(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim() is { Length: <= 512 } v ? v : null;
        var query = new AuditTrail.Query(Bounded(actor), Bounded(action), Bounded(outcome), null, null, before, 100);
        var rows = await trail.List(query, ct);
        // Walking the whole chain is asked for, not done on every look.
        var verification = verify == "yes" ? await trail.Verify(ct) : null;
        return ConsoleEndpoints.Page<AuditPage>(http, new() { ["Query"] = query, ["Rows"] = rows, ["Verification"] = verification });
    }
}

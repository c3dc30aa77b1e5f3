using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;
using Agents.SagaRepository;
using MassTransit;

namespace Agents.Orchestrator.Queries;

/// <summary>Answers the API's read requests from the saga repository.</summary>
public sealed class IncidentQueryConsumer(
    ILoadSagaRepository<IncidentState> load,
    IListSagaRepository<IncidentState> list) : IConsumer<GetIncident>, IConsumer<ListIncidents>, IConsumer<GetSegmentHistory>
{
    public async Task Consume(ConsumeContext<GetIncident> context)
    {
        var incident = await load.Load(context.Message.IncidentId);
        if (incident is null)
        {
            await context.RespondAsync(new IncidentNotFound { IncidentId = context.Message.IncidentId });
            return;
        }

        await context.RespondAsync(IncidentViews.Details(incident));
    }

    public async Task Consume(ConsumeContext<GetSegmentHistory> context)
    {
        var request = context.Message;
        var incident = await load.Load(request.IncidentId);
        if (incident is null)
        {
            await context.RespondAsync(new IncidentNotFound { IncidentId = request.IncidentId });
            return;
        }

        await context.RespondAsync(new SegmentHistory
        {
            IncidentId = request.IncidentId,
            Segment = request.Segment,
            Revisions = incident.Revisions.Where(r => r.Segment == request.Segment).ToList(),
        });
    }

    public async Task Consume(ConsumeContext<ListIncidents> context)
    {
        var request = context.Message;
        var incidents = await list.Newest(i =>
            (request.Status == null || i.CurrentState == request.Status)
            && (request.Fingerprint == null || i.Fingerprint == request.Fingerprint), i => i.CreatedAt, ListLimits.Clamp(request.Limit), context.CancellationToken,
            IncidentViews.SummaryColumns);

        await context.RespondAsync(new IncidentList
        {
            Items = incidents
                .Select(IncidentViews.Summary)
                .ToList(),
        });
    }
}

using System.Diagnostics;
using Agents.Hosting;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Tags the span of every message the saga handles with the incident (id, severity, status before and after). A
/// message that arrived outside the incident's trace (an operator command, a repeated alert, a resume after a restart)
/// gets a link to the incident's trace, so that Jaeger leads from one to the other.
/// </summary>
internal sealed class IncidentSpanFilter : IFilter<SagaConsumeContext<IncidentState>>
{
    public async Task Send(SagaConsumeContext<IncidentState> context, IPipe<SagaConsumeContext<IncidentState>> next)
    {
        var activity = Activity.Current;
        var incident = context.Saga;
        if (activity is not null && incident.TraceParent is { } traceParent
            && ActivityContext.TryParse(traceParent, null, out var incidentTrace)
            && incidentTrace.TraceId != activity.TraceId)
        {
            activity.AddLink(new ActivityLink(incidentTrace));
        }

        await next.Send(context);

        activity.TagIncident(incident.CorrelationId, IncidentTelemetry.Severity(incident));
        activity?.SetTag("incident.state", incident.CurrentState);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("incidentSpan");
}

using System.Diagnostics;
using Agents.Hosting;
using MassTransit;

namespace Agents.Orchestrator.Deliberations;

/// <summary>
/// Tags the span of every message the deliberation saga handles with the deliberation (id, kind, round and state after
/// it), like the participants' spans, so that Jaeger finds a claim's whole adjudication by <c>deliberation.id</c>.
/// </summary>
internal sealed class DeliberationSpanFilter : IFilter<SagaConsumeContext<DeliberationState>>
{
    public async Task Send(SagaConsumeContext<DeliberationState> context, IPipe<SagaConsumeContext<DeliberationState>> next)
    {
        await next.Send(context);

        var activity = Activity.Current;
        var deliberation = context.Saga;
        activity?.SetTag(AgentsTelemetry.Tags.DeliberationId, deliberation.CorrelationId.ToString());
        activity?.SetTag(AgentsTelemetry.Tags.DeliberationKind, deliberation.Kind);
        activity?.SetTag(AgentsTelemetry.Tags.DeliberationRound, deliberation.Round);
        activity?.SetTag("deliberation.state", deliberation.CurrentState);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("deliberationSpan");
}

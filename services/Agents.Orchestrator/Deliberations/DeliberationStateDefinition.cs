using Agents.Contracts;
using Agents.Contracts.Deliberation;
using MassTransit;

namespace Agents.Orchestrator.Deliberations;

/// <summary>
/// The deliberation saga's endpoint (<c>deliberation</c>). Messages are partitioned by deliberation id, so that in one
/// process the participants' answers to one deliberation are handled one at a time; across processes the store's
/// optimistic concurrency (conflicts are retried) keeps each deliberation consistent.
/// </summary>
public sealed class DeliberationStateDefinition : SagaDefinition<DeliberationState>
{
    private const int Partitions = 16;

    public DeliberationStateDefinition()
    {
        Endpoint(e => e.Name = AgentQueues.Deliberation);
        ConcurrentMessageLimit = Partitions;
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<DeliberationState> sagaConfigurator,
        IRegistrationContext context)
    {
        sagaConfigurator.UseFilter(new DeliberationSpanFilter());
        var byDeliberation = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<StartDeliberation>(m => m.UsePartitioner(byDeliberation, c => c.Message.DeliberationId));
        sagaConfigurator.Message<StanceGiven>(m => m.UsePartitioner(byDeliberation, c => c.Message.DeliberationId));
        sagaConfigurator.Message<DeliberationRoundTimedOut>(m => m.UsePartitioner(byDeliberation, c => c.Message.DeliberationId));
        sagaConfigurator.Message<RoundOverdue>(m => m.UsePartitioner(byDeliberation, c => c.Message.DeliberationId));
    }
}

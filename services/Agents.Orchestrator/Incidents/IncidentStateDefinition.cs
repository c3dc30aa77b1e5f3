using Agents.Contracts;
using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The saga endpoint (<c>incident</c>). Alerts are partitioned by fingerprint, so in one process a burst of one
/// alert is handled in order and makes one incident; across processes the store's unique index on open
/// fingerprints and its optimistic concurrency (conflicts are retried) keep incidents consistent.
/// </summary>
public sealed class IncidentStateDefinition : SagaDefinition<IncidentState>
{
    private const int Partitions = 32;

    public IncidentStateDefinition()
    {
        Endpoint(e => e.Name = AgentQueues.Orchestrator);
        ConcurrentMessageLimit = Partitions;
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<IncidentState> sagaConfigurator,
        IRegistrationContext context)
    {
        sagaConfigurator.UseFilter(new IncidentSpanFilter());
        var byFingerprint = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<AlertReceived>(m => m.UsePartitioner(byFingerprint, c => c.Message.Alert.Fingerprint));
        sagaConfigurator.Message<AlertStatusReported>(m => m.UsePartitioner(byFingerprint, c => c.Message.Fingerprint));
    }
}

using Agents.Contracts;
using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The saga endpoint (<c>incident</c>). Alerts are partitioned by fingerprint, so in one process a burst of one
/// alert is handled in order and makes one incident, and every other message by its incident id
/// (<see cref="IncidentPartitionKeys"/>); across processes the store's unique index on open fingerprints and its
/// optimistic concurrency (conflicts are retried) keep incidents consistent.
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
        var partitioner = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<AlertReceived>(m => m.UsePartitioner(partitioner, c => c.Message.Alert.Fingerprint));
        sagaConfigurator.Message<AlertStatusReported>(m => m.UsePartitioner(partitioner, c => c.Message.Fingerprint));
        // Every other message by its incident: one incident's replies, timeouts and commands one at a time.
        foreach (var type in IncidentPartitionKeys.SagaMessageTypes)
        {
            ByIncidentMethod.MakeGenericMethod(type).Invoke(null, [sagaConfigurator, partitioner]);
        }
    }

    private static readonly System.Reflection.MethodInfo ByIncidentMethod =
        typeof(IncidentStateDefinition).GetMethod(nameof(ByIncident), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    private static void ByIncident<T>(ISagaConfigurator<IncidentState> saga, IPartitioner partitioner)
        where T : class
    {
        if (IncidentPartitionKeys.Of<T>() is { } incidentId)
        {
            saga.Message<T>(m => m.UsePartitioner(partitioner, c => incidentId(c.Message)));
        }
    }
}

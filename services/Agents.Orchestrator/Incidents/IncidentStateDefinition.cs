using Agents.Contracts;
using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The saga endpoint (<c>incident</c>): messages about one incident are handled one at a time in this
/// process (the repository locks each incident; alerts are partitioned by fingerprint, so a burst of one alert makes one incident).
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
        var byFingerprint = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<AlertReceived>(m => m.UsePartitioner(byFingerprint, c => c.Message.Alert.Fingerprint));
        sagaConfigurator.Message<AlertStatusReported>(m => m.UsePartitioner(byFingerprint, c => c.Message.Fingerprint));
    }
}

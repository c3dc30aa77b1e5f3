using Agents.Contracts.Alerts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using MassTransit;
using MassTransit.Events;

namespace Agents.Orchestrator.Tests.Incidents;

public sealed class IncidentPartitionKeysTests
{
    [Fact]
    public void Every_message_of_the_incident_saga_is_partitioned_by_its_incident_except_alerts_by_fingerprint_and_a_deliberation_conclusion()
    {
        var unkeyed = IncidentPartitionKeys.SagaMessageTypes
            .Where(type => typeof(IncidentPartitionKeys).GetMethod(nameof(IncidentPartitionKeys.Of))!.MakeGenericMethod(type).Invoke(null, null) is null)
            .ToHashSet();

        Assert.True(IncidentPartitionKeys.SagaMessageTypes.Count > 25, $"only {IncidentPartitionKeys.SagaMessageTypes.Count} message types found on the saga");
        Assert.Contains(typeof(StepTimedOut), IncidentPartitionKeys.SagaMessageTypes);
        Assert.Contains(typeof(Fault<TriageIncident>), IncidentPartitionKeys.SagaMessageTypes);
        Assert.Equal(new HashSet<Type> { typeof(AlertReceived), typeof(AlertStatusReported), typeof(DeliberationConcluded) }, unkeyed);
    }

    [Fact]
    public void A_reply_a_timeout_and_a_command_fault_are_keyed_by_the_incident_they_name()
    {
        var id = Guid.NewGuid();
        Assert.Equal(id, IncidentPartitionKeys.Of<IncidentTriaged>()!(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() }));
        Assert.Equal(id, IncidentPartitionKeys.Of<StepTimedOut>()!(new StepTimedOut { IncidentId = id, Step = "triage", Attempt = 1 }));
        var fault = new FaultEvent<TriageIncident>(new TriageIncident { IncidentId = id, Attempt = 2, Alert = Samples.Alert() }, Guid.NewGuid(), null!,
            new InvalidOperationException("boom"), []);
        Assert.Equal(id, IncidentPartitionKeys.Of<Fault<TriageIncident>>()!(fault));
        Assert.Null(IncidentPartitionKeys.Of<AlertReceived>());
    }
}

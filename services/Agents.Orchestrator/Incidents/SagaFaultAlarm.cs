using System.Collections.Concurrent;
using System.Reflection;
using Agents.Contracts;
using Agents.Contracts.Notification;
using Agents.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Pages a human when the orchestrator itself fails on an incident: once a message to the saga endpoint
/// has faulted for good (after its retries), an emergency notification is sent straight to the
/// notification agent, and to PagerDuty when it is configured (<see cref="EmergencyPagerDuty"/>), once per incident (<see cref="IEmergencyPageLedger"/>). The faulted message still goes to
/// the error queue, from where an operator replays it once the cause is fixed. A fault caused by the message's own data
/// (<see cref="DataFaults"/>) pages nobody: it is logged and the message waits in the error queue.
/// </summary>
public sealed class SagaFaultAlarm(IServiceProvider services, IEmergencyPageLedger ledger, ILogger<SagaFaultAlarm> logger) : IConsumeObserver
{
    private static readonly ConcurrentDictionary<Type, Func<object, Guid?>> IdReaders = new();

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public async Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        var input = context.ReceiveContext.InputAddress;
        if (input is null || !input.AbsolutePath.EndsWith($"/{AgentQueues.Orchestrator}", StringComparison.Ordinal))
        {
            return;
        }

        var reason = $"the orchestrator failed while handling {typeof(T).Name}: {exception.GetBaseException().Message}";
        if (DataFaults.IsCausedByData(exception))
        {
            // The message itself cannot be stored: it waits in the error queue; the orchestrator is not down.
            OrchestratorLog.DataFault(logger, typeof(T).Name, IncidentIdOf(context.Message), reason);
            return;
        }

        if (IncidentIdOf(context.Message) is not { } incidentId)
        {
            OrchestratorLog.OrchestratorFaultWithoutIncident(logger, typeof(T).Name, reason);
            return;
        }

        OrchestratorLog.OrchestratorFault(logger, incidentId, typeof(T).Name, reason);
        if (!await ledger.TryClaim(incidentId, reason, CancellationToken.None))
        {
            OrchestratorLog.AlreadyPaged(logger, incidentId, reason);
            return;
        }

        var bus = services.GetRequiredService<IBus>();
        var endpoint = await bus.GetSendEndpoint(AgentQueues.Address(AgentQueues.Notification));
        await endpoint.Send(new NotifyIncident
        {
            IncidentId = incidentId,
            Attempt = IncidentStateMachine.EmergencyAttempt,
            Kind = NotificationKinds.Emergency,
            Incident = new IncidentSnapshot { IncidentId = incidentId, Status = "Unknown" },
            Reason = reason,
            EventKey = NotificationKinds.Emergency,
        });
        if (services.GetService<EmergencyPagerDuty>() is { } pagerDuty)
        {
            await pagerDuty.PageAsync(incidentId, reason);
        }
    }

    /// <summary>The incident id of a message the saga consumes: its <c>IncidentId</c>, or that of the message a fault is about.</summary>
    internal static Guid? IncidentIdOf(object message) =>
        IdReaders.GetOrAdd(message.GetType(), type =>
        {
            if (type.GetProperty("IncidentId", BindingFlags.Public | BindingFlags.Instance) is { PropertyType: var t } property && t == typeof(Guid))
            {
                return m => (Guid?)property.GetValue(m);
            }

            if (type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Fault<>)) is { } fault)
            {
                var inner = fault.GetProperty(nameof(Fault<object>.Message))!;
                return m => inner.GetValue(m) is { } faulted ? IncidentIdOf(faulted) : null;
            }

            return _ => null;
        })(message);
}

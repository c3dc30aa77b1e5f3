using System.Linq.Expressions;
using System.Reflection;
using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The incident id every incident-saga message is partitioned by, so that one orchestrator handles the messages of one
/// incident one at a time (fewer optimistic-concurrency conflicts to retry) while different incidents go in parallel:
/// a message's own <c>IncidentId</c> (replies, operator commands, timeouts, resumes), or its command's for a
/// <see cref="Fault{T}"/>. Alerts are partitioned by fingerprint instead (a repeat does not know its incident yet), and
/// a message that names no incident (a deliberation's conclusion, correlated by its deliberation) by nothing.
/// </summary>
internal static class IncidentPartitionKeys
{
    /// <summary>The messages partitioned by fingerprint (<see cref="IncidentStateDefinition"/>), not by incident id.</summary>
    public static readonly IReadOnlySet<Type> ByFingerprint = new HashSet<Type> { typeof(AlertReceived), typeof(AlertStatusReported) };

    /// <summary>Every message type the incident saga consumes: its events' and its schedules' message types.</summary>
    public static IReadOnlyList<Type> SagaMessageTypes { get; } = typeof(IncidentStateMachine).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.PropertyType)
        .Select(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Event<>) ? t.GetGenericArguments()[0]
            : t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Schedule<,>) ? t.GetGenericArguments()[1]
            : null)
        .OfType<Type>()
        .Distinct()
        .ToList();

    /// <summary>The incident id of a <typeparamref name="T"/>, or null when it names none (or is keyed by fingerprint).</summary>
    public static Func<T, Guid>? Of<T>()
        where T : class
    {
        if (ByFingerprint.Contains(typeof(T)))
        {
            return null;
        }

        var message = Expression.Parameter(typeof(T), "message");
        Expression? source = typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(Fault<>)
            ? Expression.Property(message, nameof(Fault<object>.Message))
            : message;
        return source.Type.GetProperty("IncidentId", typeof(Guid)) is { } id
            ? Expression.Lambda<Func<T, Guid>>(Expression.Property(source, id), message).Compile()
            : null;
    }
}

using System.Diagnostics.Metrics;
using MassTransit;
using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// <c>agents_saga_conflicts_total{outcome}</c> on <c>/metrics</c>: saga store conflicts (two consumers saved the same
/// instance at once: an optimistic concurrency conflict, or a unique violation when two first messages created it) that
/// the endpoint's retry policy retried (<c>retried</c>) or gave up on, so the message went to its error queue
/// (<c>dead_lettered</c>). A few retries are normal under load; dead-lettered ones are lost work (deploy/monitoring).
/// Connected to the shared retry policy of every endpoint (<see cref="MessagingExtensions"/>).
/// </summary>
public sealed class SagaConflictTelemetry : IRetryObserver
{
    public const string Retried = "retried";
    public const string DeadLettered = "dead_lettered";

    private const string ConcurrencyException = "Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException";

    public static Counter<long> Conflicts { get; } = AgentsTelemetry.Meter.CreateCounter<long>(
        "agents.saga.conflicts", "{conflict}", "Saga store conflicts, by outcome (retried, dead_lettered).");

    /// <summary>
    /// Whether <paramref name="exception"/> is a lost race on the saga store. The same test as the saga repository's
    /// <c>IsSagaStoreConflict</c>, by type name: this library does not depend on Entity Framework.
    /// </summary>
    public static bool IsConflict(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return true;
            }

            for (var type = e.GetType(); type is not null; type = type.BaseType)
            {
                if (type.FullName == ConcurrencyException)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task PreRetry<T>(RetryContext<T> context)
        where T : class, PipeContext => Count(context.Exception, Retried);

    public Task RetryFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Count(context.Exception, DeadLettered);

    public Task RetryComplete<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    private static Task Count(Exception? exception, string outcome)
    {
        if (IsConflict(exception))
        {
            Conflicts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }

        return Task.CompletedTask;
    }
}

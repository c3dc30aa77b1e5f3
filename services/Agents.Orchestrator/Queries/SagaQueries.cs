using System.Linq.Expressions;
using Agents.SagaRepository;
using MassTransit;

namespace Agents.Orchestrator.Queries;

/// <summary>The list queries' shared rule: how many instances one answer may hold.</summary>
internal static class SagaQueries
{
    /// <summary>Most instances a list query answers.</summary>
    public const int MaxLimit = 500;

    /// <summary>The instances matching <paramref name="filter"/>, newest first by <paramref name="createdAt"/>, at most <paramref name="limit"/> (clamped to 1..<see cref="MaxLimit"/>).</summary>
    public static Task<IReadOnlyList<TSaga>> Newest<TSaga>(this IListSagaRepository<TSaga> list, Expression<Func<TSaga, bool>> filter,
        Expression<Func<TSaga, DateTimeOffset>> createdAt, int limit, CancellationToken cancellationToken)
        where TSaga : class, ISaga =>
        list.Newest(filter, createdAt, Math.Clamp(limit, 1, MaxLimit), cancellationToken);
}

using System.Linq.Expressions;
using MassTransit;

namespace Agents.Orchestrator.Queries;

/// <summary>A filter over saga instances (incidents, deliberations) that any saga repository can run (in memory, or as SQL).</summary>
internal sealed class SagaFilter<TSaga>(Expression<Func<TSaga, bool>> filter) : ISagaQuery<TSaga>
    where TSaga : class, ISaga
{
    private readonly Func<TSaga, bool> _compiled = filter.Compile();

    public Expression<Func<TSaga, bool>> FilterExpression { get; } = filter;

    public Func<TSaga, bool> GetFilter() => _compiled;
}

internal static class SagaQueries
{
    /// <summary>Most instances a list query answers.</summary>
    public const int MaxLimit = 500;

    /// <summary>The instances matching <paramref name="filter"/>, newest first by <paramref name="createdAt"/>, at most <paramref name="limit"/> (clamped to 1..<see cref="MaxLimit"/>).</summary>
    public static async Task<List<TSaga>> Newest<TSaga>(
        this IQuerySagaRepository<TSaga> query, ILoadSagaRepository<TSaga> load, Expression<Func<TSaga, bool>> filter,
        Func<TSaga, DateTimeOffset> createdAt, int limit)
        where TSaga : class, ISaga
    {
        var found = new List<TSaga>();
        foreach (var id in await query.Find(new SagaFilter<TSaga>(filter)))
        {
            if (await load.Load(id) is { } instance)
            {
                found.Add(instance);
            }
        }

        return found.OrderByDescending(createdAt).Take(Math.Clamp(limit, 1, MaxLimit)).ToList();
    }
}

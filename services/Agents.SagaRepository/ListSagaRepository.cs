using System.Linq.Expressions;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Agents.SagaRepository;

/// <summary>
/// The newest saga instances matching a filter, for list views. MassTransit's query repository answers only ids, each
/// of which must then be loaded on its own: a list over a long history would cost one round trip per instance ever
/// stored. This asks for the page alone.
/// </summary>
public interface IListSagaRepository<TSaga>
    where TSaga : class, ISaga
{
    /// <summary>
    /// At most <paramref name="limit"/> instances matching <paramref name="filter"/>, newest first by <paramref name="createdAt"/>;
    /// committed state. With <paramref name="columns"/> (a member initialisation of the saga: <c>s =&gt; new TSaga { A = s.A }</c>)
    /// only those are read, and the rest of each instance is left at its defaults: a list view does not read every
    /// instance's whole history.
    /// </summary>
    Task<IReadOnlyList<TSaga>> Newest(Expression<Func<TSaga, bool>> filter, Expression<Func<TSaga, DateTimeOffset>> createdAt, int limit,
        CancellationToken cancellationToken, Expression<Func<TSaga, TSaga>>? columns = null);
}

/// <summary>One SQL query: filter, order and limit run in the database.</summary>
public sealed class EntityFrameworkListSagaRepository<TSaga, TDbContext>(IDbContextFactory<TDbContext> contexts) : IListSagaRepository<TSaga>
    where TSaga : class, ISaga
    where TDbContext : DbContext
{
    public async Task<IReadOnlyList<TSaga>> Newest(Expression<Func<TSaga, bool>> filter, Expression<Func<TSaga, DateTimeOffset>> createdAt, int limit,
        CancellationToken cancellationToken, Expression<Func<TSaga, TSaga>>? columns = null)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var page = db.Set<TSaga>().AsNoTracking().Where(filter).OrderByDescending(createdAt).Take(limit);
        return await (columns is null ? page : page.Select(columns)).ToListAsync(cancellationToken);
    }
}

/// <summary>
/// Any MassTransit saga repository (the in-memory one of the saga tests): finds the matching ids, loads each, sorts in
/// memory. Fine for a test's handful of instances; a stored history uses <see cref="EntityFrameworkListSagaRepository{TSaga, TDbContext}"/>.
/// </summary>
public sealed class LoadingListSagaRepository<TSaga>(IQuerySagaRepository<TSaga> query, ILoadSagaRepository<TSaga> load) : IListSagaRepository<TSaga>
    where TSaga : class, ISaga
{
    public async Task<IReadOnlyList<TSaga>> Newest(Expression<Func<TSaga, bool>> filter, Expression<Func<TSaga, DateTimeOffset>> createdAt, int limit,
        CancellationToken cancellationToken, Expression<Func<TSaga, TSaga>>? columns = null)
    {
        var found = new List<TSaga>();
        foreach (var id in await query.Find(new Filter(filter)))
        {
            if (await load.Load(id) is { } instance)
            {
                found.Add(instance);
            }
        }

        var page = found.OrderByDescending(createdAt.Compile()).Take(limit);
        return (columns is null ? page : page.Select(columns.Compile())).ToList();
    }

    private sealed class Filter(Expression<Func<TSaga, bool>> filter) : ISagaQuery<TSaga>
    {
        private readonly Func<TSaga, bool> _compiled = filter.Compile();

        public Expression<Func<TSaga, bool>> FilterExpression { get; } = filter;

        public Func<TSaga, bool> GetFilter() => _compiled;
    }
}

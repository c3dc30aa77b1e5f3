using System.Data;
using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Agents.SagaRepository;

/// <summary>
/// MassTransit's saga repository extension point on EF Core. Every call gets a DbContext of its own from
/// <see cref="IDbContextFactory{TContext}"/> and one ReadCommitted transaction: a retry after a conflict starts
/// from the committed row, never from a stale tracked copy. Concurrency is optimistic: the model's concurrency
/// token (on PostgreSQL a <c>uint</c> mapped with <c>IsRowVersion()</c>, i.e. <c>xmin</c>) turns a lost update
/// into a <see cref="DbUpdateConcurrencyException"/>, which the endpoint's retry policy handles.
/// </summary>
public sealed class EntityFrameworkSagaRepositoryFactory<TSaga, TDbContext>(
    IDbContextFactory<TDbContext> contexts,
    ISagaConsumeContextFactory<DbContext, TSaga> consumeContexts) :
    ISagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
    where TDbContext : DbContext
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var db = await contexts.CreateDbContextAsync(context.CancellationToken);
        await InTransaction(db, async () =>
        {
            var repository = new DbContextSagaRepositoryContext<TSaga, T>(db, context, consumeContexts);
            await next.Send(repository);
        }, context.CancellationToken);
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        await using var db = await contexts.CreateDbContextAsync(context.CancellationToken);
        await InTransaction(db, async () =>
        {
            // Tracked inside the transaction: the behaviour updates them and the save checks their versions.
            var instances = await db.Set<TSaga>().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
            var repository = new DbContextSagaRepositoryContext<TSaga, T>(db, context, consumeContexts);
            await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repository, instances));
        }, context.CancellationToken);
    }

    Task<T> ILoadSagaRepositoryContextFactory<TSaga>.Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken)
        where T : class => Read(asyncMethod, cancellationToken);

    Task<T> IQuerySagaRepositoryContextFactory<TSaga>.Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken)
        where T : class => Read(asyncMethod, cancellationToken);

    public void Probe(ProbeContext context)
    {
        context.Add("persistence", "entity-framework-core");
        context.Add("dbContext", typeof(TDbContext).Name);
    }

    /// <summary>Committed state, untracked, for readers outside the saga (queries, tests).</summary>
    private async Task<T> Read<T>(Func<DbContextReadContext<TSaga>, Task<T>> method, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await method(new DbContextReadContext<TSaga>(db, cancellationToken));
    }

    private static async Task InTransaction(DbContext db, Func<Task> work, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        // A failed save fails the whole transaction, which the retry starts again: EF's savepoint around each save (two
        // more round trips and a subtransaction per message) would protect nothing. Insert turns it on for its own save.
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await work();
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            // The connection may be gone (that may be why we are here); the transaction dies with it anyway.
            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception rollback) when (rollback is InvalidOperationException or System.Data.Common.DbException)
            {
            }

            throw;
        }
    }
}

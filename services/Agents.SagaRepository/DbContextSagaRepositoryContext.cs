using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Agents.SagaRepository;

/// <summary>
/// One message's view of the store, inside the transaction <see cref="EntityFrameworkSagaRepositoryFactory{TSaga,TDbContext}"/>
/// opened. MassTransit decides which of these it calls (see its <c>SendSagaPipe</c> and <c>MissingSagaPipe</c>):
/// Add then Save for a new instance, Insert for a pre-inserted one, Load then Update/Delete/Undo for an existing one.
/// </summary>
internal sealed class DbContextSagaRepositoryContext<TSaga, TMessage> :
    ConsumeContextScope<TMessage>,
    SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
{
    private readonly DbContext _db;
    private readonly ConsumeContext<TMessage> _context;
    private readonly ISagaConsumeContextFactory<DbContext, TSaga> _factory;

    public DbContextSagaRepositoryContext(DbContext db, ConsumeContext<TMessage> context, ISagaConsumeContextFactory<DbContext, TSaga> factory)
        : base(context, db)
    {
        _db = db;
        _context = context;
        _factory = factory;
    }

    /// <summary>A new instance, not yet in the store: saved by <see cref="Save"/> once the behaviour ran.</summary>
    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _factory.CreateSagaConsumeContext(_db, _context, instance, SagaConsumeContextMode.Add);

    /// <summary>
    /// Writes the instance before the behaviour runs. A duplicate (or any failure) answers null, and MassTransit
    /// then loads the existing row; EF's automatic savepoint, on for this save only, keeps the PostgreSQL
    /// transaction usable.
    /// </summary>
    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        var entry = _db.Set<TSaga>().Add(instance);
        _db.Database.AutoSavepointsEnabled = true;
        try
        {
            await _db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException)
        {
            entry.State = EntityState.Detached;
            return null!;
        }
        finally
        {
            _db.Database.AutoSavepointsEnabled = false;
        }

        return await _factory.CreateSagaConsumeContext(_db, _context, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await _db.Set<TSaga>().SingleOrDefaultAsync(s => s.CorrelationId == correlationId, CancellationToken);
        return instance is null
            ? null!
            : await _factory.CreateSagaConsumeContext(_db, _context, instance, SagaConsumeContextMode.Load);
    }

    public async Task Save(SagaConsumeContext<TSaga> saga)
    {
        _db.Set<TSaga>().Add(saga.Saga);
        await _db.SaveChangesAsync(CancellationToken);
    }

    public Task Update(SagaConsumeContext<TSaga> saga) => _db.SaveChangesAsync(CancellationToken);

    public async Task Delete(SagaConsumeContext<TSaga> saga)
    {
        _db.Set<TSaga>().Remove(saga.Saga);
        await _db.SaveChangesAsync(CancellationToken);
    }

    /// <summary>A new instance the behaviour completed at once: nothing to store.</summary>
    public Task Discard(SagaConsumeContext<TSaga> saga) => Task.CompletedTask;

    /// <summary>A read-only event: forget whatever the behaviour changed.</summary>
    public Task Undo(SagaConsumeContext<TSaga> saga)
    {
        var entry = _db.Entry(saga.Saga);
        if (entry.State != EntityState.Detached)
        {
            entry.State = EntityState.Unchanged;
        }

        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_db, consumeContext, instance, mode);
}

/// <summary>Reads committed instances untracked, for <see cref="ILoadSagaRepository{TSaga}"/> and <see cref="IQuerySagaRepository{TSaga}"/>.</summary>
internal sealed class DbContextReadContext<TSaga>(DbContext db, CancellationToken cancellationToken) :
    BasePipeContext(cancellationToken),
    LoadSagaRepositoryContext<TSaga>,
    QuerySagaRepositoryContext<TSaga>
    where TSaga : class, ISaga
{
    // MassTransit's contract answers null for a missing instance, though the signature does not say so.
    public async Task<TSaga> Load(Guid correlationId) =>
        (await db.Set<TSaga>().AsNoTracking().SingleOrDefaultAsync(s => s.CorrelationId == correlationId, CancellationToken))!;

    public async Task<SagaRepositoryQueryContext<TSaga>> Query(ISagaQuery<TSaga> query, CancellationToken cancellationToken)
    {
        var ids = await db.Set<TSaga>().AsNoTracking().Where(query.FilterExpression).Select(s => s.CorrelationId).ToListAsync(cancellationToken);
        return new DefaultSagaRepositoryQueryContext<TSaga>(this, ids);
    }
}

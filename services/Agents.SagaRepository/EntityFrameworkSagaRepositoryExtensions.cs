using Agents.SagaRepository;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace MassTransit;

/// <summary>Registration of the EF Core saga repository, and the conflicts its users retry.</summary>
public static class EntityFrameworkSagaRepositoryExtensions
{
    /// <summary>
    /// Keeps <typeparamref name="TSaga"/> in <typeparamref name="TDbContext"/>'s database. The application
    /// registers the context with <c>AddDbContextFactory</c> or <c>AddPooledDbContextFactory</c>; its model maps <typeparamref name="TSaga"/> with
    /// <c>CorrelationId</c> as key and a concurrency token. <see cref="ILoadSagaRepository{TSaga}"/> and
    /// <see cref="IQuerySagaRepository{TSaga}"/> resolve too, and read committed state, as does
    /// <see cref="IListSagaRepository{TSaga}"/> (a page of the newest instances in one query).
    /// </summary>
    public static ISagaRegistrationConfigurator<TSaga> EntityFrameworkRepository<TSaga, TDbContext>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga
        where TDbContext : DbContext
    {
        configurator.Repository(r =>
        {
            r.RegisterLoadSagaRepository<TSaga, EntityFrameworkSagaRepositoryFactory<TSaga, TDbContext>>();
            r.RegisterQuerySagaRepository<TSaga, EntityFrameworkSagaRepositoryFactory<TSaga, TDbContext>>();
            r.RegisterSagaRepository<TSaga, DbContext, SagaConsumeContextFactory<DbContext, TSaga>, EntityFrameworkSagaRepositoryFactory<TSaga, TDbContext>>();
            r.TryAddScoped<IListSagaRepository<TSaga>, EntityFrameworkListSagaRepository<TSaga, TDbContext>>();
        });
        return configurator;
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is a lost race another attempt can win: an optimistic concurrency
    /// conflict, or a unique violation (two first messages creating the same instance).
    /// </summary>
    public static bool IsSagaStoreConflict(Exception exception) =>
        exception is DbUpdateConcurrencyException
        || exception is DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } };

    /// <summary>Makes a retry policy handle the store's conflicts (for endpoints that do not retry everything).</summary>
    public static void HandleSagaStoreConflicts(this IRetryConfigurator retry) =>
        retry.Handle<DbUpdateException>(IsSagaStoreConflict);
}

using Agents.Hosting;
using Agents.Orchestrator.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Agents.Orchestrator.Persistence;

/// <summary>Registration and schema management of the orchestrator's PostgreSQL store.</summary>
public static class IncidentStore
{
    /// <summary>Npgsql options shared by the service and the design-time factory.</summary>
    public static void Configure(NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable(HistoryTable, IncidentDbContext.Schema);

    public static IServiceCollection AddIncidentStore(this IServiceCollection services)
    {
        services.AddPooledDbContextFactory<IncidentDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<AgentsConnections>().PostgresConnection, npgsql =>
            {
                Configure(npgsql);
                npgsql.ConfigureDataSource(dataSource => dataSource.WithReadableSpans());
            }));
        services.AddSingleton<IEmergencyPageLedger, StoredEmergencyPageLedger>();
        return services;
    }

    /// <summary>
    /// Applies the pending migrations under a PostgreSQL session lock, so that orchestrators starting together
    /// take turns: the first migrates, the others then find nothing left to do. (EF Core's own migration lock on
    /// PostgreSQL lasts one transaction, and each migration has its own: two instances could both apply the second.)
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<IncidentDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // Nothing pending: nothing is created or locked, so a role with data rights only (the migrations ran in their
            // own step, as the schema's owner) starts too. EF's own "does the history exist" query fails, and logs an
            // error, on a fresh database; the catalog answers without one.
            if (await HistoryExists(db, cancellationToken) && !(await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            {
                return;
            }

            // Polled rather than waited on: a session blocked in pg_advisory_lock holds a snapshot, and an index built
            // CONCURRENTLY by the migrating session waits for every such snapshot (a deadlock between the two).
            while (!await TryLock(db, cancellationToken))
            {
                await Task.Delay(MigrationLockPoll, cancellationToken);
            }

            try
            {
                // Without the history table EF's first look at it fails and is logged as an error on every fresh database.
                await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                // Closing the session releases the lock too; unlock explicitly for pooled connections.
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(" + MigrationLock + ")", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The advisory lock the replicas take turns on while they migrate.</summary>
    private const string MigrationLock = "hashtext('agents.orchestrator.migrations')";

    private static readonly TimeSpan MigrationLockPoll = TimeSpan.FromMilliseconds(250);

    private static async Task<bool> TryLock(IncidentDbContext db, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT pg_try_advisory_lock(" + MigrationLock + ")";
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>The name of the migrations' history table, in <see cref="IncidentDbContext.Schema"/>.</summary>
    public const string HistoryTable = "__ef_migrations_history";

    private static async Task<bool> HistoryExists(IncidentDbContext db, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"SELECT to_regclass('{IncidentDbContext.Schema}.{HistoryTable}') IS NOT NULL";
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}

/// <summary>Migrates the store when the orchestrator starts, before the bus takes messages.</summary>
internal sealed class IncidentStoreMigrator(IServiceProvider services, ILogger<IncidentStoreMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await IncidentStore.MigrateAsync(services, cancellationToken);
        OrchestratorLog.StoreMigrated(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Agents.Hosting;
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
        npgsql.MigrationsHistoryTable("__ef_migrations_history", IncidentDbContext.Schema);

    public static IServiceCollection AddIncidentStore(this IServiceCollection services)
    {
        services.AddDbContextFactory<IncidentDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<AgentsConnections>().PostgresConnection, Configure));
        return services;
    }

    /// <summary>
    /// Applies the pending migrations. EF Core takes a database lock while migrating, so a second orchestrator
    /// starting at the same time waits and then finds nothing left to do.
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<IncidentDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Without the history table EF's first look at it fails and is logged as an error on every fresh database.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
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

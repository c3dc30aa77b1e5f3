using Agents.Orchestrator.Persistence;
using Agents.Hosting;
using Agents.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>A fresh PostgreSQL database for one test class, migrated with the orchestrator's migrations.</summary>
public sealed class StoreDatabase : IAsyncLifetime
{
    private FreshDatabase? _database;

    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("not started");

    public IncidentDbContext NewContext() =>
        new(new DbContextOptionsBuilder<IncidentDbContext>().UseNpgsql(ConnectionString, IncidentStore.Configure).Options);

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_store");
        await using var db = NewContext();
        await db.Database.MigrateAsync();
    }

    /// <summary>
    /// Runs <paramref name="sweeper"/>'s round while another session holds its lease (<paramref name="lease"/>, as another
    /// replica would) and answers whether the round ran; the lease is given back afterwards.
    /// </summary>
    public async Task<bool> RunWhileLeaseHeld(LeasedSweeper sweeper, string lease)
    {
        await using var holder = new NpgsqlConnection(ConnectionString);
        await holder.OpenAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext(@lease))", holder))
        {
            hold.Parameters.AddWithValue("lease", lease);
            await hold.ExecuteScalarAsync();
        }

        var ran = await sweeper.RunOnceAsync(CancellationToken.None);
        await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext(@lease))", holder);
        release.Parameters.AddWithValue("lease", lease);
        return await release.ExecuteScalarAsync() is true ? ran : throw new InvalidOperationException($"the lease {lease} was not held");
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

using Agents.Orchestrator.Persistence;
using Agents.Testing;
using Microsoft.EntityFrameworkCore;

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

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

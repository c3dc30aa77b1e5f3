using Agents.Orchestrator.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>
/// A fresh PostgreSQL database for one test class, migrated with the orchestrator's migrations, dropped at the
/// end. The server is the one <c>deploy/local/deps.sh env</c> describes (test.sh exports it).
/// </summary>
public sealed class StoreDatabase : IAsyncLifetime
{
    private readonly string _name = $"agents_store_{Guid.NewGuid():N}";

    public string ConnectionString { get; private set; } = "";

    public IncidentDbContext NewContext() =>
        new(new DbContextOptionsBuilder<IncidentDbContext>().UseNpgsql(ConnectionString, IncidentStore.Configure).Options);

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(ServerConnection))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnection) { Database = _name }.ConnectionString;
        await using var db = NewContext();
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnection);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static string ServerConnection =>
        Environment.GetEnvironmentVariable("POSTGRES_CONNECTION") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "POSTGRES_CONNECTION is not set: run the tests through ./deploy/local/test.sh, or eval \"$(deploy/local/deps.sh env)\" first.");
}

using Npgsql;

namespace Agents.Testing;

/// <summary>
/// A database of its own on the local PostgreSQL (the one <c>deploy/local/deps.sh env</c> describes, exported by
/// <c>deploy/local/test.sh</c>), dropped again on dispose. Compiled into each test project that needs it.
/// </summary>
internal sealed class FreshDatabase : IAsyncDisposable
{
    private FreshDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The server's connection string from <c>POSTGRES_CONNECTION</c>, with a clear error when it is unset.</summary>
    public static string ServerConnection =>
        Environment.GetEnvironmentVariable("POSTGRES_CONNECTION") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "POSTGRES_CONNECTION is not set: run the tests through ./deploy/local/test.sh, or eval \"$(deploy/local/deps.sh env)\" first.");

    public static async Task<FreshDatabase> Create(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await Admin($"CREATE DATABASE {name}");
        return new FreshDatabase(name, new NpgsqlConnectionStringBuilder(ServerConnection) { Database = name }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Admin($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static async Task Admin(string sql)
    {
        await using var admin = new NpgsqlConnection(ServerConnection);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}

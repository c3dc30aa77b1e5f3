using Agents.Brains.Tests.Remediation;
using Agents.Context.DeployLog;
using Agents.Contracts.Context;
using Agents.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Agents.Brains.Tests.Context;

/// <summary>The deploy log's retention on the real PostgreSQL: old deploy events go, recent ones stay, one replica at a time.</summary>
public sealed class DeployEventRetentionTests : IAsyncLifetime
{
    private FreshDatabase _database = null!;
    private NpgsqlDataSource _data = null!;

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_deploys");
        _data = NpgsqlDataSource.Create(_database.ConnectionString);
        await new PostgresDeployLog(_data).EnsureSchemaAsync(default);
    }

    public async Task DisposeAsync()
    {
        await _data.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Deploy_events_older_than_the_retention_are_deleted_in_batches_and_the_rest_stay()
    {
        var log = new PostgresDeployLog(_data);
        var now = DateTimeOffset.UtcNow;
        foreach (var (version, daysAgo) in new[] { ("v1", 200), ("v2", 120), ("v3", 91), ("v4", 89), ("v5", 1) })
        {
            await log.RecordAsync(new DeployRecord { Service = "orders", Version = version, DeployedAt = now.AddDays(-daysAgo) }, default);
        }

        var retention = Retention(batchSize: 2);
        Assert.True(await retention.RunOnceAsync(default));

        Assert.Equal(3, retention.LastDeleted);
        var left = await log.FindAsync("orders", now.AddDays(-400), now, default);
        Assert.Equal(["v4", "v5"], left.Select(d => d.Version).Order());
    }

    [Fact]
    public async Task A_round_is_skipped_while_another_replica_holds_the_lease()
    {
        await using var holder = await _data.OpenConnectionAsync();
        await using (var lease = new NpgsqlCommand($"SELECT pg_advisory_lock(hashtext('{DeployEventRetention.Lease}'))", holder))
        {
            await lease.ExecuteScalarAsync();
        }

        Assert.False(await Retention().RunOnceAsync(default));
        await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock(hashtext('{DeployEventRetention.Lease}'))", holder);
        Assert.Equal(true, await release.ExecuteScalarAsync());
        Assert.True(await Retention().RunOnceAsync(default));
    }

    private DeployEventRetention Retention(int batchSize = 1000) => new(
        ExecutionLedgerTests.Connections(_database.ConnectionString),
        Options.Create(new DeployEventRetentionOptions { BatchSize = batchSize }),
        TimeProvider.System,
        NullLogger<DeployEventRetention>.Instance);
}

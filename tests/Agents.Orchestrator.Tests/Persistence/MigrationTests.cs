using Agents.Orchestrator.Persistence;
using Agents.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>Upgrading a store that already holds incidents keeps them readable.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task Orchestrators_migrating_an_empty_database_together_all_succeed()
    {
        await using var database = await FreshDatabase.Create("agents_migration");
        var instances = Enumerable.Range(0, 4)
            .Select(_ => new ServiceCollection()
                .AddDbContextFactory<IncidentDbContext>(o => o.UseNpgsql(database.ConnectionString, IncidentStore.Configure))
                .BuildServiceProvider())
            .ToList();

        await Task.WhenAll(instances.Select(sp => IncidentStore.MigrateAsync(sp, CancellationToken.None)));

        await using var db = new IncidentDbContext(
            new DbContextOptionsBuilder<IncidentDbContext>().UseNpgsql(database.ConnectionString, IncidentStore.Configure).Options);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        foreach (var sp in instances)
        {
            await sp.DisposeAsync();
        }
    }

    [Fact]
    public async Task Incidents_stored_before_segment_revisions_load_with_none()
    {
        await using var database = await FreshDatabase.Create("agents_migration");
        var options = new DbContextOptionsBuilder<IncidentDbContext>().UseNpgsql(database.ConnectionString, IncidentStore.Configure).Options;
        var id = Guid.NewGuid();
        await using (var db = new IncidentDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync("20261124153930_InitialIncidentStore");
            await db.Database.ExecuteSqlAsync($$"""
                INSERT INTO orchestrator.incidents
                    (incident_id, status, fingerprint, is_open, alert_count, alert, created_at, updated_at, current_step,
                     step_attempt, step_started_at, source_resolved, notifications, timeline)
                VALUES ({{id}}, 'Resolved', 'fp-old', false, 1,
                    '{"format":"generic","source":"old","fingerprint":"fp-old","summary":"old","occurredAt":"2026-11-24T02:13:00+00:00"}'::jsonb,
                    now(), now(), 'notification', 1, now(), false, '[]'::jsonb, '[]'::jsonb)
                """);
        }

        await using (var db = new IncidentDbContext(options))
        {
            await db.Database.MigrateAsync();
        }

        await using var check = new IncidentDbContext(options);
        var incident = await check.Incidents.AsNoTracking().SingleAsync(i => i.CorrelationId == id);
        Assert.Empty(incident.Revisions);
        Assert.Equal("fp-old", incident.Alert.Fingerprint);
    }

    [Fact]
    public async Task The_audit_log_is_created_append_only_with_the_acknowledgement_columns_and_removed_by_the_down_migration()
    {
        await using var database = await FreshDatabase.Create("agents_migration");
        var options = new DbContextOptionsBuilder<IncidentDbContext>().UseNpgsql(database.ConnectionString, IncidentStore.Configure).Options;
        await using (var db = new IncidentDbContext(options))
        {
            await db.Database.MigrateAsync();
        }

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(["acknowledged_at:timestamp with time zone:YES", "acknowledged_by:text:YES"], await Strings(connection, """
            SELECT column_name || ':' || data_type || ':' || is_nullable FROM information_schema.columns
            WHERE table_schema = 'orchestrator' AND table_name = 'incidents' AND column_name LIKE 'acknowledged%' ORDER BY column_name
            """));
        await Execute(connection, """
            INSERT INTO audit_log (at, actor, roles, auth_method, action, target, request_id, client_address, outcome, status_code, detail, prev_hash, hash)
            VALUES (now(), 'oidc:alice@example.com', 'operator', 'oidc', 'incident.resolve', 'incident/1', 'req-1', '127.0.0.1', 'accepted', 202, NULL, '', 'h1')
            """);
        Assert.Equal(["1:oidc:alice@example.com"], await Strings(connection, "SELECT id || ':' || actor FROM audit_log"));
        foreach (var (sql, operation) in new[]
        {
            ("UPDATE audit_log SET actor = 'mallory'", "UPDATE"), ("DELETE FROM audit_log", "DELETE"), ("TRUNCATE audit_log", "TRUNCATE"),
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, sql));
            Assert.Equal($"audit_log is append-only: {operation} refused", refused.MessageText);
        }

        Assert.Equal(["ix_audit_log_actor", "ix_audit_log_at"], await Strings(connection,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_log' AND indexname LIKE 'ix_%' ORDER BY indexname"));

        // Down: the table, its triggers and the function go; the columns too.
        await using (var db = new IncidentDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync("20261202130752_IncidentApprovalGate");
        }

        Assert.Empty(await Strings(connection, """
            SELECT 'table' FROM pg_tables WHERE tablename = 'audit_log'
            UNION ALL SELECT 'function' FROM pg_proc WHERE proname = 'audit_log_append_only'
            UNION ALL SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents' AND column_name LIKE 'acknowledged%'
            """));
        await using (var db = new IncidentDbContext(options))
        {
            await db.Database.MigrateAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
    }

    private static async Task<List<string>> Strings(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

using Agents.Orchestrator.Persistence;
using Agents.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

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
}

using System.Text.Json;
using Agents.Api.Audit;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Hosting.Audit;
using Agents.Orchestrator.Deliberations;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Tests.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>Retention on the real PostgreSQL, with the migrations applied (each test on a database of its own).</summary>
public sealed class RetentionSweeperTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly StoreDatabase _store = new();

    public Task InitializeAsync() => _store.InitializeAsync();

    public Task DisposeAsync() => _store.DisposeAsync();

    [Fact]
    public async Task Ended_incidents_older_than_the_retention_go_with_their_ledger_rows_and_everything_else_stays()
    {
        var resolved = Incident(IncidentStatuses.Resolved, open: false, ended: Now.AddDays(-100));
        var escalatedDone = Incident(IncidentStatuses.Escalated, open: false, ended: Now.AddDays(-95));
        var kept = new[]
        {
            Incident(IncidentStatuses.Escalated, open: true, ended: Now.AddDays(-200)), // still takes its alert's repeats
            Incident(IncidentStatuses.Resolved, open: false, ended: Now.AddDays(-89)),
            Incident(IncidentStatuses.Investigating, open: true, ended: Now.AddDays(-300)),
        };
        await using (var db = _store.NewContext())
        {
            db.AddRange([resolved, escalatedDone, .. kept]);
            db.AddRange(Deliberation("Decided", Now.AddDays(-120)), Deliberation("Deliberating", Now.AddDays(-120)), Deliberation("Escalated", Now.AddDays(-10)));
            await db.SaveChangesAsync();
        }

        foreach (var incident in new[] { resolved, kept[0] })
        {
            await Sql($"INSERT INTO notification.deliveries (incident_id, event_key, channel, target, status, claimed_at) VALUES ('{incident.CorrelationId}', 'resolution-1', 'slack', 'C1', 'delivered', now())");
            await Sql("INSERT INTO remediation.executions (incident_id, attempt, action_step, fingerprint, service, action_id, target, status, claimed_at, claimed_by) "
                + $"VALUES ('{incident.CorrelationId}', 1, 0, 'fp', 'svc', 'rollback', 't', 'succeeded', now(), 'test')");
        }

        var sweeper = Sweeper(batchSize: 1);
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));

        Assert.Equal((2, 1, 0L), sweeper.LastDeleted);
        await using var after = _store.NewContext();
        Assert.Equal(kept.Select(i => i.CorrelationId).Order(), (await after.Set<IncidentState>().Select(i => i.CorrelationId).ToListAsync()).Order());
        Assert.Equal(["Deliberating", "Escalated"], (await after.Set<DeliberationState>().Select(d => d.CurrentState).ToListAsync()).Order());
        Assert.Equal(1L, await Count($"SELECT count(*) FROM notification.deliveries"));
        Assert.Equal(1L, await Count($"SELECT count(*) FROM remediation.executions WHERE incident_id = '{kept[0].CorrelationId}'"));
        Assert.Equal(1L, await Count("SELECT count(*) FROM remediation.executions"));
    }

    [Fact]
    public async Task One_orchestrator_sweeps_at_a_time_and_zero_keeps_forever()
    {
        await using (var db = _store.NewContext())
        {
            db.Add(Incident(IncidentStatuses.Closed, open: false, ended: Now.AddDays(-400)));
            await db.SaveChangesAsync();
        }

        Assert.False(await _store.RunWhileLeaseHeld(Sweeper(), RetentionSweeper.Lease));

        var forever = Sweeper(keep: TimeSpan.Zero);
        Assert.True(await forever.RunOnceAsync(CancellationToken.None));
        Assert.Equal((0, 0, 0L), forever.LastDeleted);
        var sweeper = Sweeper();
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));
        Assert.Equal((1, 0, 0L), sweeper.LastDeleted);
    }

    [Fact]
    public async Task The_oldest_audit_rows_go_through_checkpoints_and_the_rest_of_the_chain_still_verifies()
    {
        await using var trail = new AuditTrail(Connections);
        var old = new List<AuditEntry>();
        for (var i = 0; i < 5; i++)
        {
            old.Add(await trail.Append(AuditRow(Now.AddDays(-400 + i)), CancellationToken.None));
        }

        var recent = new[] { await trail.Append(AuditRow(Now.AddDays(-10)), CancellationToken.None), await trail.Append(AuditRow(Now.AddDays(-1)), CancellationToken.None) };

        var sweeper = Sweeper(batchSize: 2, audit: TimeSpan.FromDays(365));
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));

        Assert.Equal(5L, sweeper.LastDeleted.AuditRows);
        Assert.Equal(recent.Select(r => r.Id), await Ids("SELECT id FROM audit_log ORDER BY id"));
        Assert.Equal([old[1].Id, old[3].Id, old[4].Id], await Ids("SELECT through_id FROM audit_checkpoints ORDER BY id"));
        var verification = await trail.Verify(CancellationToken.None);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal((2L, recent[1].Hash, 5L, (long?)old[4].Id), (verification.Rows, verification.HeadHash, verification.RemovedRows, verification.RemovedThrough));

        // Deleting is still refused outside the transaction of a checkpoint, with or without the setting; a checkpoint
        // must name a real cut; checkpoints cannot be changed or removed.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Sql($"DELETE FROM audit_log WHERE id = {recent[0].Id}"));
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => Sql($"BEGIN; SELECT set_config('agents.audit_retention', 'on', true); DELETE FROM audit_log WHERE id <= {old[4].Id}; DELETE FROM audit_log WHERE id = {recent[0].Id}; COMMIT;"));
        var forged = await Assert.ThrowsAsync<PostgresException>(() => Sql(
            $"INSERT INTO audit_checkpoints (at, through_id, through_hash, rows_removed, older_than) VALUES (now(), {recent[0].Id}, 'not-its-hash', 1, now())"));
        Assert.Contains("not the hash of row", forged.MessageText, StringComparison.Ordinal);
        var newest = await Assert.ThrowsAsync<PostgresException>(() => Sql(
            $"INSERT INTO audit_checkpoints (at, through_id, through_hash, rows_removed, older_than) VALUES (now(), {recent[1].Id}, '{recent[1].Hash}', 1, now())"));
        Assert.Contains("newest", newest.MessageText, StringComparison.Ordinal);
        var young = await Assert.ThrowsAsync<PostgresException>(() => Sql(
            $"INSERT INTO audit_checkpoints (at, through_id, through_hash, rows_removed, older_than) VALUES (now(), {recent[0].Id}, '{recent[0].Hash}', 1, now() - interval '30 days')"));
        Assert.Contains("not all older", young.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => Sql("DELETE FROM audit_checkpoints"));
        Assert.Equal(2L, await Count("SELECT count(*) FROM audit_log"));

        // A row removed behind the triggers' back is still found: the first row kept no longer follows the checkpoint.
        await Sql($"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; DELETE FROM audit_log WHERE id = {recent[0].Id}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;");
        var broken = await trail.Verify(CancellationToken.None);
        Assert.False(broken.Intact);
        Assert.Equal(recent[1].Id, broken.FirstBrokenRow);
        Assert.Contains($"does not follow the last row retention removed (row {old[4].Id})", broken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_that_no_longer_chains_stops_the_cut_so_retention_cannot_hide_a_removed_row()
    {
        await using var trail = new AuditTrail(Connections);
        var rows = new List<AuditEntry>();
        for (var i = 0; i < 4; i++)
        {
            rows.Add(await trail.Append(AuditRow(Now.AddDays(-400 + i)), CancellationToken.None));
        }

        var newest = await trail.Append(AuditRow(Now), CancellationToken.None);
        await Sql($"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; DELETE FROM audit_log WHERE id = {rows[1].Id}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;");
        var sweeper = Sweeper(audit: TimeSpan.FromDays(365));

        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));

        // The row before the gap goes; the first row after it, and everything after that, stay.
        Assert.Equal(1L, sweeper.LastDeleted.AuditRows);
        Assert.Equal([rows[2].Id, rows[3].Id, newest.Id], await Ids("SELECT id FROM audit_log ORDER BY id"));
        var verification = await trail.Verify(CancellationToken.None);
        Assert.Equal(rows[2].Id, verification.FirstBrokenRow);
        Assert.Contains($"does not follow the last row retention removed (row {rows[0].Id})", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_row_stops_the_cut_so_retention_cannot_remove_the_evidence()
    {
        await using var trail = new AuditTrail(Connections);
        var rows = new List<AuditEntry>();
        for (var i = 0; i < 5; i++)
        {
            rows.Add(await trail.Append(AuditRow(Now.AddDays(-400 + i)), CancellationToken.None));
        }

        var newest = await trail.Append(AuditRow(Now), CancellationToken.None);
        // Edited in place, chain links untouched: only recomputing the row's hash shows it.
        await Sql($"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; UPDATE audit_log SET actor = 'apikey:someone-else' WHERE id = {rows[2].Id}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;");
        var sweeper = Sweeper(batchSize: 2, audit: TimeSpan.FromDays(365));

        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));

        Assert.Equal(2L, sweeper.LastDeleted.AuditRows);
        Assert.Equal([rows[2].Id, rows[3].Id, rows[4].Id, newest.Id], await Ids("SELECT id FROM audit_log ORDER BY id"));
        Assert.Equal([rows[1].Id], await Ids("SELECT through_id FROM audit_checkpoints ORDER BY id"));
        var verification = await trail.Verify(CancellationToken.None);
        Assert.Equal(rows[2].Id, verification.FirstBrokenRow);
        Assert.Contains("was changed after it was written", verification.Reason, StringComparison.Ordinal);

        // Later rounds cut nothing past it, however old the rows after it are.
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0L, sweeper.LastDeleted.AuditRows);
        Assert.Equal(4L, await Count("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task The_newest_audit_row_stays_however_old_and_the_next_append_chains_to_it()
    {
        await using var trail = new AuditTrail(Connections);
        for (var i = 0; i < 3; i++)
        {
            await trail.Append(AuditRow(Now.AddDays(-500 + i)), CancellationToken.None);
        }

        var sweeper = Sweeper(audit: TimeSpan.FromDays(30));
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));
        Assert.Equal(2L, sweeper.LastDeleted.AuditRows);
        var next = await trail.Append(AuditRow(Now), CancellationToken.None);

        var verification = await trail.Verify(CancellationToken.None);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal((2L, next.Hash, 2L), (verification.Rows, verification.HeadHash, verification.RemovedRows));
        // Once it is no longer the newest, the old row goes too; then nothing is left to cut and no empty checkpoint is recorded.
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));
        Assert.Equal(1L, sweeper.LastDeleted.AuditRows);
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0L, sweeper.LastDeleted.AuditRows);
        Assert.Equal(2L, await Count("SELECT count(*) FROM audit_checkpoints"));
        verification = await trail.Verify(CancellationToken.None);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal((1L, next.Hash, 3L), (verification.Rows, verification.HeadHash, verification.RemovedRows));
    }

    private AgentsConnections Connections => new()
    {
        RabbitMqUrl = new Uri(AgentsConnections.DefaultRabbitMqUrl), RabbitMqVirtualHost = "/", PostgresConnection = _store.ConnectionString,
    };

    private static AuditEntry AuditRow(DateTimeOffset at) => new()
    {
        At = at, Actor = "apikey:retention-test", Roles = "operator", AuthMethod = "api-key", Action = "incident.rerun", Target = "id=1",
        RequestId = "r", ClientAddress = "127.0.0.1", Outcome = "succeeded", StatusCode = 202,
    };

    private async Task<List<long>> Ids(string sql)
    {
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private RetentionSweeper Sweeper(int batchSize = 1000, TimeSpan? keep = null, TimeSpan? audit = null) => new(
        Connections,
        Options.Create(new RetentionOptions
        {
            Incidents = keep ?? TimeSpan.FromDays(90), Deliberations = keep ?? TimeSpan.FromDays(90), AuditLog = audit ?? TimeSpan.Zero, BatchSize = batchSize,
        }),
        TimeProvider.System,
        NullLogger<RetentionSweeper>.Instance);

    private static IncidentState Incident(string status, bool open, DateTimeOffset ended)
    {
        var fingerprint = $"fp-{Guid.NewGuid():N}";
        return new IncidentState
        {
            CorrelationId = Guid.NewGuid(),
            CurrentState = status,
            Fingerprint = fingerprint,
            IsOpen = open,
            AlertCount = 1,
            Alert = Samples.Alert(fingerprint),
            CreatedAt = ended.AddMinutes(-5),
            UpdatedAt = ended,
            CurrentStep = IncidentSteps.Notification,
            StepAttempt = 1,
            StepStartedAt = ended.AddMinutes(-1),
        };
    }

    private static DeliberationState Deliberation(string status, DateTimeOffset ended) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = status,
        Kind = "claim-adjudication",
        Summary = "claim",
        Subject = JsonDocument.Parse("{}").RootElement.Clone(),
        Participants = ["policy"],
        Threshold = 1,
        MaxRounds = 1,
        RoundTimeout = TimeSpan.FromSeconds(30),
        CreatedAt = ended.AddMinutes(-5),
        UpdatedAt = ended,
    };

    private async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> Count(string sql)
    {
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Hosting;
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

        Assert.Equal((2, 1), sweeper.LastDeleted);
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
        Assert.Equal((0, 0), forever.LastDeleted);
        var sweeper = Sweeper();
        Assert.True(await sweeper.RunOnceAsync(CancellationToken.None));
        Assert.Equal((1, 0), sweeper.LastDeleted);
    }

    private RetentionSweeper Sweeper(int batchSize = 1000, TimeSpan? keep = null) => new(
        new AgentsConnections { RabbitMqUrl = new Uri(AgentsConnections.DefaultRabbitMqUrl), RabbitMqVirtualHost = "/", PostgresConnection = _store.ConnectionString },
        Options.Create(new RetentionOptions { Incidents = keep ?? TimeSpan.FromDays(90), Deliberations = keep ?? TimeSpan.FromDays(90), BatchSize = batchSize }),
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

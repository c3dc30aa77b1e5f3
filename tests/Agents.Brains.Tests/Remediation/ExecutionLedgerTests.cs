using Agents.Brains.Tests.Support;
using Agents.Hosting;
using Agents.Remediation.Control;
using Agents.Testing;
using Npgsql;

namespace Agents.Brains.Tests.Remediation;

/// <summary>
/// The execution ledger on the real PostgreSQL: one claimer per action step however many try at once, outcomes that
/// stop every later claim, duplicates that wait for the claim in progress, and a claim whose owner's connection died
/// that reads as unknown and is never claimed again.
/// </summary>
public sealed class ExecutionLedgerTests : IAsyncLifetime
{
    private FreshDatabase _database = null!;
    private PostgresExecutionLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_remediation");
        _ledger = new PostgresExecutionLedger(Connections(_database.ConnectionString), TimeProvider.System);
        await _ledger.CreateAsync(CancellationToken.None);
        await _ledger.CreateAsync(CancellationToken.None); // a second start finds the tables
    }

    public async Task DisposeAsync()
    {
        await _ledger.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Twenty_parallel_claims_of_one_step_give_exactly_one_Claimed()
    {
        var key = new ExecutionKey(Guid.NewGuid(), 1, 0);

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => _ledger.ClaimAsync(key, Facts(), CancellationToken.None))));

        var won = Assert.Single(claims, c => c.Status == ExecutionStatus.Claimed);
        Assert.NotNull(won.Lease);
        Assert.All(claims.Where(c => c != won), c => Assert.Equal(ExecutionStatus.InProgress, c.Status));
        Assert.All(claims.Where(c => c != won), c => Assert.Null(c.Lease));
        Assert.Equal(ExecutionStatus.InProgress, (await _ledger.StatusAsync(key, CancellationToken.None)).Status);

        await _ledger.SucceededAsync(key, "rolled back deployment/orders in prod to revision 3", CancellationToken.None);
        await won.Lease.DisposeAsync();

        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _ledger.ClaimAsync(key, Facts(), CancellationToken.None)));
        Assert.All(again, c => Assert.Equal(ExecutionStatus.Succeeded, c.Status));
        Assert.All(again, c => Assert.Equal("rolled back deployment/orders in prod to revision 3", c.Summary));
        Assert.All(again, c => Assert.Null(c.Lease));
    }

    [Fact]
    public async Task A_claim_whose_connection_dies_reads_as_Unknown_and_is_never_claimed_again()
    {
        var key = new ExecutionKey(Guid.NewGuid(), 2, 1);
        var claim = await _ledger.ClaimAsync(key, Facts(), CancellationToken.None);
        Assert.Equal(ExecutionStatus.Claimed, claim.Status);
        Assert.Equal(ExecutionStatus.InProgress, (await _ledger.ClaimAsync(key, Facts(), CancellationToken.None)).Status);

        // The process dies mid-step: its connection, and with it the lease, goes; the row stays claimed.
        Assert.Equal(1, await TerminateLeaseHolders());

        var status = await _ledger.StatusAsync(key, CancellationToken.None);
        Assert.Equal(ExecutionStatus.Unknown, status.Status);
        Assert.Equal($"{Environment.MachineName}/{Environment.ProcessId}", status.ClaimedBy);
        var again = await _ledger.ClaimAsync(key, Facts(), CancellationToken.None);
        Assert.Equal(ExecutionStatus.Unknown, again.Status);
        Assert.Null(again.Lease);
        Assert.Equal(ExecutionStatus.Unknown, (await _ledger.WaitAsync(key, TimeSpan.FromSeconds(10), CancellationToken.None)).Status);
        Assert.Equal(ExecutionStatus.Unknown, Assert.Single(await _ledger.ForAttemptAsync(key.IncidentId, 2, CancellationToken.None)).Status);

        await claim.Lease!.DisposeAsync(); // its connection is gone: releasing it does not throw
    }

    [Fact]
    public async Task A_failed_step_is_not_claimed_again_under_its_key_but_a_new_attempt_may_claim_it()
    {
        var incident = Guid.NewGuid();
        var first = new ExecutionKey(incident, 1, 0);
        var claim = await _ledger.ClaimAsync(first, Facts(), CancellationToken.None);
        await _ledger.FailedAsync(first, "forbidden: the remediation service account may not patch deployment/orders", CancellationToken.None);
        await claim.Lease!.DisposeAsync();

        var again = await _ledger.ClaimAsync(first, Facts(), CancellationToken.None);
        var next = await _ledger.ClaimAsync(first with { Attempt = 2 }, Facts(), CancellationToken.None);

        Assert.Equal(ExecutionStatus.Failed, again.Status);
        Assert.Equal("forbidden: the remediation service account may not patch deployment/orders", again.Summary);
        Assert.Equal(ExecutionStatus.Claimed, next.Status);
        await next.Lease!.DisposeAsync();
    }

    [Fact]
    public async Task A_duplicate_waits_for_the_claim_in_progress_and_reports_its_outcome()
    {
        var key = new ExecutionKey(Guid.NewGuid(), 1, 0);
        var claim = await _ledger.ClaimAsync(key, Facts(), CancellationToken.None);
        var waiting = _ledger.WaitAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        await _ledger.SucceededAsync(key, "restarted deployment/orders in prod", CancellationToken.None);
        await claim.Lease!.DisposeAsync();

        var outcome = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal("restarted deployment/orders in prod", outcome.Summary);
    }

    [Fact]
    public async Task A_duplicate_stops_waiting_when_the_claimer_dies_or_the_deadline_passes()
    {
        var key = new ExecutionKey(Guid.NewGuid(), 1, 0);
        var claim = await _ledger.ClaimAsync(key, Facts(), CancellationToken.None);

        var timedOut = await _ledger.WaitAsync(key, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Equal(ExecutionStatus.InProgress, timedOut.Status);
        // The deadline is elapsed time: a clock that stands still does not make the wait endless.
        await using (var stillClock = new PostgresExecutionLedger(Connections(_database.ConnectionString), new FixedTimeProvider(DateTimeOffset.UnixEpoch)))
        {
            Assert.Equal(ExecutionStatus.InProgress, (await stillClock.WaitAsync(key, TimeSpan.FromMilliseconds(300), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10))).Status);
        }

        var waiting = _ledger.WaitAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);
        await TerminateLeaseHolders();
        Assert.Equal(ExecutionStatus.Unknown, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        await claim.Lease!.DisposeAsync();

        Assert.Equal(ExecutionStatus.NotClaimed, (await _ledger.WaitAsync(key with { ActionStep = 5 }, TimeSpan.FromSeconds(5), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task The_steps_of_an_incident_are_listed_per_incident_and_per_attempt_with_their_facts()
    {
        var incident = Guid.NewGuid();
        var other = Guid.NewGuid();
        var facts = new ExecutionFacts("fp-1", "orders", "rollback", "kubernetes prod/orders deployment/orders",
            new Dictionary<string, string> { ["service"] = "orders", ["to_version"] = "v5.1.9" });
        var rollback = await _ledger.ClaimAsync(new(incident, 1, 0), facts, CancellationToken.None);
        await _ledger.SucceededAsync(new(incident, 1, 0), "rolled back", CancellationToken.None);
        await rollback.Lease!.DisposeAsync();
        var flush = await _ledger.ClaimAsync(new(incident, 1, 1), facts with { Target = "redis orders:cache:*" }, CancellationToken.None);
        var retry = await _ledger.ClaimAsync(new(incident, 2, 0), facts, CancellationToken.None);
        await _ledger.FailedAsync(new(incident, 2, 0), "conflict twice", CancellationToken.None);
        await retry.Lease!.DisposeAsync();
        var elsewhere = await _ledger.ClaimAsync(new(other, 1, 0), Facts(), CancellationToken.None);

        var all = await _ledger.ForIncidentAsync(incident, CancellationToken.None);
        var second = await _ledger.ForAttemptAsync(incident, 2, CancellationToken.None);

        Assert.Equal([new(incident, 1, 0), new(incident, 1, 1), new ExecutionKey(incident, 2, 0)], all.Select(r => r.Key));
        Assert.Equal([ExecutionStatus.Succeeded, ExecutionStatus.InProgress, ExecutionStatus.Failed], all.Select(r => r.Status));
        Assert.Equal(["rolled back", null, "conflict twice"], all.Select(r => r.Summary));
        var first = all[0];
        Assert.Equal("fp-1", first.Fingerprint);
        Assert.Equal("orders", first.Service);
        Assert.Equal("rollback", first.ActionId);
        Assert.Equal("kubernetes prod/orders deployment/orders", first.Target);
        Assert.Equal("v5.1.9", first.Parameters["to_version"]);
        Assert.NotNull(first.FinishedAt);
        Assert.True(first.FinishedAt >= first.ClaimedAt);
        Assert.Null(all[1].FinishedAt);
        Assert.Equal("redis orders:cache:*", all[1].Target);
        Assert.Equal(new ExecutionKey(incident, 2, 0), Assert.Single(second).Key);
        Assert.Empty(await _ledger.ForIncidentAsync(Guid.NewGuid(), CancellationToken.None));

        await flush.Lease!.DisposeAsync();
        await elsewhere.Lease!.DisposeAsync();
        Assert.Equal(ExecutionStatus.Unknown, (await _ledger.ForAttemptAsync(incident, 1, CancellationToken.None))[1].Status);
    }

    /// <summary>Ends the sessions holding a remediation lease in the test's database, as a dying process would; returns how many.</summary>
    private async Task<int> TerminateLeaseHolders()
    {
        await using var admin = new NpgsqlConnection(_database.ConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()
            """, admin);
        var terminated = Convert.ToInt32(await command.ExecuteScalarAsync());
        // pg_terminate_backend only signals: wait (with a deadline) until the sessions are gone.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            await using var left = new NpgsqlCommand("""
                SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND a.datname = current_database() AND l.pid <> pg_backend_pid()
                """, admin);
            if (Convert.ToInt32(await left.ExecuteScalarAsync()) == 0)
            {
                return terminated;
            }
        }

        throw new TimeoutException("the terminated sessions still hold their locks");
    }

    private static ExecutionFacts Facts() =>
        new("fingerprint-1", "orders", "restart-pods", "kubernetes prod/orders deployment/orders", new Dictionary<string, string> { ["service"] = "orders" });

    internal static AgentsConnections Connections(string postgres) => new AgentsConnections
    {
        RabbitMqUrl = new Uri("amqp://guest:guest@127.0.0.1:5682"),
        RabbitMqVirtualHost = "/",
    } with { PostgresConnection = postgres };
}

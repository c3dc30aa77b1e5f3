using System.Text.Json;
using Agents.Hosting;
using Agents.Hosting.Remediation;
using Npgsql;
using NpgsqlTypes;

namespace Agents.Remediation.Control;

/// <summary>One action step of one attempt of an incident's remediation: what the ledger claims.</summary>
/// <param name="ActionStep">The step's index in the action's <c>run:</c> list.</param>
public readonly record struct ExecutionKey(Guid IncidentId, int Attempt, int ActionStep)
{
    public override string ToString() => $"{IncidentId:N}/{Attempt}/{ActionStep}";
}

/// <summary>What is recorded with a claim: what the step acts on, and why.</summary>
/// <param name="Fingerprint">The alert's fingerprint (the back-off is counted per fingerprint).</param>
/// <param name="Target">What the step acts on, as the cooldown compares it (e.g. <c>kubernetes prod/orders deployment/orders</c>).</param>
public sealed record ExecutionFacts(string Fingerprint, string Service, string ActionId, string Target, IReadOnlyDictionary<string, string> Parameters);

/// <summary>What the ledger says about an action step.</summary>
public enum ExecutionStatus
{
    /// <summary>Claimed by this caller, which holds the lease: execute it, then record the outcome.</summary>
    Claimed,

    /// <summary>Executed before and succeeded: do not execute again.</summary>
    Succeeded,

    /// <summary>Executed before and failed: do not execute again under this key.</summary>
    Failed,

    /// <summary>Another caller holds the claim and is executing it now (a duplicate of the command): wait for it.</summary>
    InProgress,

    /// <summary>Claimed by a process that died before it recorded an outcome: whether it acted is unknown; never act again by guessing.</summary>
    Unknown,

    /// <summary>Nobody claimed it (only from <see cref="IExecutionLedger.StatusAsync"/> and <see cref="IExecutionLedger.WaitAsync"/>).</summary>
    NotClaimed,
}

/// <summary>
/// The answer of <see cref="IExecutionLedger.ClaimAsync"/>. A <see cref="ExecutionStatus.Claimed"/> claim holds a lease
/// on the step until it is disposed (after the outcome is recorded): while it is held no other caller executes the step;
/// when the process dies the lease goes with its connection and the step reads as <see cref="ExecutionStatus.Unknown"/>.
/// </summary>
public sealed record ExecutionClaim(ExecutionStatus Status, string? Summary = null, DateTimeOffset? At = null, string? ClaimedBy = null, IAsyncDisposable? Lease = null);

/// <summary>One row of the ledger, for the agent, the API and the console.</summary>
/// <param name="Status"><see cref="ExecutionStatus.Succeeded"/>, <see cref="ExecutionStatus.Failed"/>, <see cref="ExecutionStatus.InProgress"/> (claimed, its owner alive) or <see cref="ExecutionStatus.Unknown"/> (claimed, its owner gone).</param>
/// <param name="ClaimedBy">The claiming process, <c>host/pid</c>.</param>
public sealed record ExecutionRecord(
    ExecutionKey Key,
    string Fingerprint,
    string Service,
    string ActionId,
    string Target,
    IReadOnlyDictionary<string, string> Parameters,
    ExecutionStatus Status,
    string? Summary,
    DateTimeOffset ClaimedAt,
    DateTimeOffset? FinishedAt,
    string ClaimedBy);

/// <summary>A finished remediation of an alert (one incident attempt): failed when any of its steps failed.</summary>
public sealed record FinishedExecution(Guid IncidentId, int Attempt, bool Failed, DateTimeOffset FinishedAt);

/// <summary>
/// The execution ledger: every action step is claimed here before it is executed, so that a redelivered, resumed or
/// replayed command never acts twice. A step is executed at most once per (incident, attempt, step): a failed step is
/// not claimed again under the same key (a new attempt decides that), and one whose claimer died is never guessed.
/// </summary>
public interface IExecutionLedger
{
    Task<ExecutionClaim> ClaimAsync(ExecutionKey key, ExecutionFacts facts, CancellationToken ct);

    Task SucceededAsync(ExecutionKey key, string summary, CancellationToken ct);

    Task FailedAsync(ExecutionKey key, string summary, CancellationToken ct);

    /// <summary>What the ledger says about the step now, without claiming it.</summary>
    Task<ExecutionClaim> StatusAsync(ExecutionKey key, CancellationToken ct);

    /// <summary>For a duplicate that found the step in progress: waits until its outcome is recorded or its claimer is gone, at most <paramref name="timeout"/> (then <see cref="ExecutionStatus.InProgress"/>).</summary>
    Task<ExecutionClaim> WaitAsync(ExecutionKey key, TimeSpan timeout, CancellationToken ct);

    /// <summary>Every step of every attempt of the incident, by attempt and step.</summary>
    Task<IReadOnlyList<ExecutionRecord>> ForIncidentAsync(Guid incidentId, CancellationToken ct);

    /// <summary>The steps of one attempt, by step.</summary>
    Task<IReadOnlyList<ExecutionRecord>> ForAttemptAsync(Guid incidentId, int attempt, CancellationToken ct);

    /// <summary>When a step on <paramref name="target"/> last succeeded; null when never.</summary>
    Task<DateTimeOffset?> LastSucceededAsync(string target, CancellationToken ct);

    /// <summary>The last <paramref name="count"/> finished remediations (incident attempts) of the fingerprint, newest first.</summary>
    Task<IReadOnlyList<FinishedExecution>> LastFinishedAsync(string fingerprint, int count, CancellationToken ct);
}

/// <summary>The ledger in PostgreSQL: table <c>remediation.executions</c>, created when the service starts.</summary>
public sealed class PostgresExecutionLedger(AgentsConnections connections, TimeProvider clock) : IExecutionLedger, IAsyncDisposable
{
    private const string Table = RemediationLedgerSchema.Table;

    /// <summary>How often <see cref="WaitAsync"/> looks again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private static readonly string Owner = $"{Environment.MachineName}/{Environment.ProcessId}";

    // True while some session holds the step's lease (the advisory lock on hashtextextended(key, 0), as pg_locks shows a bigint key).
    private const string LeaseHeld = """
        EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
            AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('remediation/' || replace(e.incident_id::text, '-', '') || '/' || e.attempt || '/' || e.action_step, 0))
        """;

    private const string Columns = "e.incident_id, e.attempt, e.action_step, e.fingerprint, e.service, e.action_id, e.target, e.parameters::text, e.status, e.summary, e.claimed_at, e.finished_at, e.claimed_by";

    private readonly NpgsqlDataSource _data = NpgsqlDataSource.Create(connections.PostgresConnection);

    /// <summary>Creates the schema and the tables when missing.</summary>
    public Task CreateAsync(CancellationToken ct) => RemediationLedgerSchema.EnsureAsync(_data, ct);

    private static string LeaseKey(ExecutionKey key) => $"remediation/{key}";

    public async Task<ExecutionClaim> ClaimAsync(ExecutionKey key, ExecutionFacts facts, CancellationToken ct)
    {
        // The lease: a session advisory lock on the step's key, held on a connection of its own while the step runs.
        // Held by someone else: that caller is executing it. Free while the row says "claimed": its claimer died.
        var connection = await _data.OpenConnectionAsync(ct);
        try
        {
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", connection))
            {
                lockCommand.Parameters.Add(new() { Value = LeaseKey(key) });
                if (await lockCommand.ExecuteScalarAsync(ct) is not true)
                {
                    // Held: a claimer is executing it, or another caller is just reading its recorded outcome.
                    var seen = await Read(connection, key, leaseFree: false, ct);
                    await connection.DisposeAsync();
                    return seen is { Status: ExecutionStatus.Succeeded or ExecutionStatus.Failed } ? seen : new ExecutionClaim(ExecutionStatus.InProgress);
                }
            }

            var lease = new Lease(connection, LeaseKey(key));
            await using (var insert = new NpgsqlCommand($"""
                INSERT INTO {Table} (incident_id, attempt, action_step, fingerprint, service, action_id, target, parameters, status, claimed_at, claimed_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'claimed', $9, $10)
                ON CONFLICT (incident_id, attempt, action_step) DO NOTHING
                RETURNING claimed_at;
                """, connection))
            {
                AddKey(insert, key);
                insert.Parameters.Add(new() { Value = facts.Fingerprint });
                insert.Parameters.Add(new() { Value = facts.Service });
                insert.Parameters.Add(new() { Value = facts.ActionId });
                insert.Parameters.Add(new() { Value = facts.Target });
                insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(facts.Parameters), NpgsqlDbType = NpgsqlDbType.Jsonb });
                insert.Parameters.Add(new() { Value = clock.GetUtcNow() });
                insert.Parameters.Add(new() { Value = Owner });
                if (await insert.ExecuteScalarAsync(ct) is DateTime or DateTimeOffset)
                {
                    return new ExecutionClaim(ExecutionStatus.Claimed, At: clock.GetUtcNow(), ClaimedBy: Owner, Lease: lease);
                }
            }

            // Not won: the row is there. This caller holds the lease, so a "claimed" row's claimer is gone.
            var existing = await Read(connection, key, leaseFree: true, ct);
            await lease.DisposeAsync();
            return existing ?? new ExecutionClaim(ExecutionStatus.Unknown); // removed meanwhile: never act twice by guessing
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<ExecutionClaim> StatusAsync(ExecutionKey key, CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        if (await Read(connection, key, leaseFree: false, ct) is { } claim)
        {
            return claim;
        }

        // No row: a claimer may hold the lease between its lock and its insert.
        await using var held = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
                AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0))
            """, connection);
        held.Parameters.Add(new() { Value = LeaseKey(key) });
        return new ExecutionClaim(await held.ExecuteScalarAsync(ct) is true ? ExecutionStatus.InProgress : ExecutionStatus.NotClaimed);
    }

    public async Task<ExecutionClaim> WaitAsync(ExecutionKey key, TimeSpan timeout, CancellationToken ct)
    {
        // Elapsed time, not wall-clock time: a clock that stands still (a test's) still ends the wait.
        var started = clock.GetTimestamp();
        while (true)
        {
            var claim = await StatusAsync(key, ct);
            if (claim.Status != ExecutionStatus.InProgress || clock.GetElapsedTime(started) >= timeout)
            {
                return claim;
            }

            await Task.Delay(PollInterval, clock, ct);
        }
    }

    /// <summary>The row as a claim; <paramref name="leaseFree"/>: the caller holds the lease itself (so nobody else does).</summary>
    private static async Task<ExecutionClaim?> Read(NpgsqlConnection connection, ExecutionKey key, bool leaseFree, CancellationToken ct)
    {
        var claim = await ReadOnce(connection, key, leaseFree, ct);
        if (claim is { Status: ExecutionStatus.Unknown } && !leaseFree)
        {
            // The row comes from the statement's snapshot but pg_locks is read live: a claimer that recorded its outcome
            // and let go of its lease while the statement ran looks dead. It records before it lets go, so a statement
            // started after the lease was seen free sees the outcome, if there is one.
            claim = await ReadOnce(connection, key, leaseFree: true, ct);
        }

        return claim;
    }

    private static async Task<ExecutionClaim?> ReadOnce(NpgsqlConnection connection, ExecutionKey key, bool leaseFree, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand($"""
            SELECT e.status, e.summary, coalesce(e.finished_at, e.claimed_at), e.claimed_by, {(leaseFree ? "false" : LeaseHeld)}
            FROM {Table} e WHERE e.incident_id = $1 AND e.attempt = $2 AND e.action_step = $3;
            """, connection);
        AddKey(read, key);
        await using var row = await read.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            return null;
        }

        var status = Status(row.GetString(0), row.GetBoolean(4));
        return new ExecutionClaim(status, row.IsDBNull(1) ? null : row.GetString(1), row.GetFieldValue<DateTimeOffset>(2), row.GetString(3));
    }

    private static ExecutionStatus Status(string status, bool leaseHeld) => status switch
    {
        "succeeded" => ExecutionStatus.Succeeded,
        "failed" => ExecutionStatus.Failed,
        _ => leaseHeld ? ExecutionStatus.InProgress : ExecutionStatus.Unknown,
    };

    public Task SucceededAsync(ExecutionKey key, string summary, CancellationToken ct) => Finish(key, "succeeded", summary);

    public Task FailedAsync(ExecutionKey key, string summary, CancellationToken ct) => Finish(key, "failed", summary);

    private async Task Finish(ExecutionKey key, string status, string summary)
    {
        await using var command = _data.CreateCommand($"""
            UPDATE {Table} SET status = $4, summary = $5, finished_at = $6
            WHERE incident_id = $1 AND attempt = $2 AND action_step = $3 AND status = 'claimed';
            """);
        AddKey(command, key);
        command.Parameters.Add(new() { Value = status });
        command.Parameters.Add(new() { Value = summary });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        // Not the token of the caller: an action that happened is recorded even while the service stops.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    public Task<IReadOnlyList<ExecutionRecord>> ForIncidentAsync(Guid incidentId, CancellationToken ct) =>
        Records("e.incident_id = $1", [incidentId], ct);

    public Task<IReadOnlyList<ExecutionRecord>> ForAttemptAsync(Guid incidentId, int attempt, CancellationToken ct) =>
        Records("e.incident_id = $1 AND e.attempt = $2", [incidentId, attempt], ct);

    private async Task<IReadOnlyList<ExecutionRecord>> Records(string where, object[] values, CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"SELECT {Columns}, {LeaseHeld} FROM {Table} e WHERE {where} ORDER BY e.attempt, e.action_step");
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }

        var records = new List<ExecutionRecord>();
        await using var row = await command.ExecuteReaderAsync(ct);
        while (await row.ReadAsync(ct))
        {
            records.Add(new ExecutionRecord(
                new ExecutionKey(row.GetGuid(0), row.GetInt32(1), row.GetInt32(2)),
                row.GetString(3),
                row.GetString(4),
                row.GetString(5),
                row.GetString(6),
                JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString(7)) ?? [],
                Status(row.GetString(8), row.GetBoolean(13)),
                row.IsDBNull(9) ? null : row.GetString(9),
                row.GetFieldValue<DateTimeOffset>(10),
                row.IsDBNull(11) ? null : row.GetFieldValue<DateTimeOffset>(11),
                row.GetString(12)));
        }

        return records;
    }

    public async Task<DateTimeOffset?> LastSucceededAsync(string target, CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"SELECT max(finished_at) FROM {Table} WHERE target = $1 AND status = 'succeeded'");
        command.Parameters.Add(new() { Value = target });
        return await command.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    public async Task<IReadOnlyList<FinishedExecution>> LastFinishedAsync(string fingerprint, int count, CancellationToken ct)
    {
        // One remediation is one incident attempt; it is finished when none of its steps is still claimed.
        await using var command = _data.CreateCommand($"""
            SELECT incident_id, attempt, bool_or(status = 'failed'), max(finished_at) FROM {Table}
            WHERE fingerprint = $1
            GROUP BY incident_id, attempt
            HAVING bool_and(status <> 'claimed')
            ORDER BY max(finished_at) DESC, max(claimed_at) DESC LIMIT $2;
            """);
        command.Parameters.Add(new() { Value = fingerprint });
        command.Parameters.Add(new() { Value = count });
        var finished = new List<FinishedExecution>();
        await using var row = await command.ExecuteReaderAsync(ct);
        while (await row.ReadAsync(ct))
        {
            finished.Add(new FinishedExecution(row.GetGuid(0), row.GetInt32(1), row.GetBoolean(2), row.GetFieldValue<DateTimeOffset>(3)));
        }

        return finished;
    }

    private static void AddKey(NpgsqlCommand command, ExecutionKey key)
    {
        command.Parameters.Add(new() { Value = key.IncidentId });
        command.Parameters.Add(new() { Value = key.Attempt });
        command.Parameters.Add(new() { Value = key.ActionStep });
    }

    /// <summary>Releases the step's advisory lock and the connection that holds it.</summary>
    private sealed class Lease(NpgsqlConnection connection, string key) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection);
                unlock.Parameters.Add(new() { Value = key });
                await unlock.ExecuteScalarAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The connection broke while the step ran: the lock went with it (the step now reads as unknown).
            }
            finally
            {
                await connection.DisposeAsync(); // a pooled connection is reset on return: the lock would go anyway
            }
        }
    }

    public ValueTask DisposeAsync() => _data.DisposeAsync();
}

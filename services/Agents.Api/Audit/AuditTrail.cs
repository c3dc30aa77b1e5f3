using Agents.Hosting;
using Agents.Hosting.Audit;
using Npgsql;

namespace Agents.Api.Audit;

/// <summary>
/// What <c>GET /audit/verify</c> answers. <see cref="RemovedRows"/> rows older than retention keeps were deleted through
/// checkpoints, the newest through row <see cref="RemovedThrough"/>: the chain is verified from the hash recorded there.
/// </summary>
public sealed record AuditVerification(
    bool Intact, long Rows, string HeadHash, long? FirstBrokenRow, string? Reason, long RemovedRows = 0, long? RemovedThrough = null);

/// <summary>
/// The append-only, hash-chained audit trail in PostgreSQL (<c>audit_log</c>, created by the orchestrator's
/// migrations; a trigger refuses UPDATE and TRUNCATE, and DELETE but of the oldest rows through a retention checkpoint). Each row stores the hash of the row before it and the
/// SHA-256 of that hash and its own fields, so an edited or removed row breaks the chain at that row: <see cref="Verify"/>
/// names it. Appends take a transaction-scoped advisory lock, so that rows from any number of API replicas chain in id order.
/// </summary>
public sealed class AuditTrail(AgentsConnections connections) : IAsyncDisposable
{
    /// <summary>The advisory lock key of the chain's head ("audit" in ASCII).</summary>
    private const long ChainLock = 0x6175646974;

    private readonly Lazy<NpgsqlDataSource> _db = new(() => NpgsqlDataSource.Create(connections.PostgresConnection));

    /// <summary>Appends <paramref name="entry"/> at the head of the chain; answers it as stored.</summary>
    public async Task<AuditEntry> Append(AuditEntry entry, CancellationToken ct)
    {
        // PostgreSQL keeps microseconds: the hash is taken over the time as it will be read back.
        var at = new DateTimeOffset(entry.At.UtcTicks - (entry.At.UtcTicks % 10), TimeSpan.Zero);
        await using var connection = await _db.Value.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", ChainLock);
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        string previous;
        await using (var head = new NpgsqlCommand("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", connection, transaction))
        {
            previous = await head.ExecuteScalarAsync(ct) as string ?? AuditChain.Genesis;
        }

        var row = entry with { At = at, PrevHash = previous };
        row = row with { Hash = AuditChain.HashOf(row) };
        await using var insert = new NpgsqlCommand(
            "INSERT INTO audit_log (at, actor, roles, auth_method, action, target, request_id, client_address, outcome, status_code, detail, prev_hash, hash) "
            + "VALUES (@at, @actor, @roles, @auth, @action, @target, @request, @client, @outcome, @status, @detail, @prev, @hash) RETURNING id",
            connection, transaction);
        insert.Parameters.AddWithValue("at", row.At);
        insert.Parameters.AddWithValue("actor", row.Actor);
        insert.Parameters.AddWithValue("roles", row.Roles);
        insert.Parameters.AddWithValue("auth", row.AuthMethod);
        insert.Parameters.AddWithValue("action", row.Action);
        insert.Parameters.AddWithValue("target", row.Target);
        insert.Parameters.AddWithValue("request", row.RequestId);
        insert.Parameters.AddWithValue("client", row.ClientAddress);
        insert.Parameters.AddWithValue("outcome", row.Outcome);
        insert.Parameters.AddWithValue("status", row.StatusCode);
        insert.Parameters.AddWithValue("detail", (object?)row.Detail ?? DBNull.Value);
        insert.Parameters.AddWithValue("prev", row.PrevHash);
        insert.Parameters.AddWithValue("hash", row.Hash);
        var id = (long)(await insert.ExecuteScalarAsync(ct))!;
        await transaction.CommitAsync(ct);
        return row with { Id = id };
    }

    /// <summary>Filters of <c>GET /audit</c>; rows come newest first, <see cref="Before"/> pages back by id.</summary>
    public sealed record Query(string? Actor, string? Action, string? Outcome, DateTimeOffset? Since, DateTimeOffset? Until, long? Before, int Limit);

    public async Task<IReadOnlyList<AuditEntry>> List(Query query, CancellationToken ct)
    {
        var where = new List<string>();
        await using var command = new NpgsqlCommand();
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where.Add(clause);
                command.Parameters.AddWithValue(name, value);
            }
        }

        Filter("actor = @actor", "actor", query.Actor);
        Filter("action = @action", "action", query.Action);
        Filter("outcome = @outcome", "outcome", query.Outcome);
        // PostgreSQL takes a timestamptz parameter in UTC only; ?since=…+02:00 means the same instant.
        Filter("at >= @since", "since", query.Since?.ToUniversalTime());
        Filter("at < @until", "until", query.Until?.ToUniversalTime());
        Filter("id < @before", "before", query.Before);
        command.Parameters.AddWithValue("limit", query.Limit);
        command.CommandText = $"SELECT {AuditChain.Columns} FROM audit_log {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY id DESC LIMIT @limit";
        await using var connection = await _db.Value.OpenConnectionAsync(ct);
        command.Connection = connection;
        var rows = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(AuditChain.Read(reader));
        }

        return rows;
    }

    /// <summary>
    /// Walks the whole chain in id order, recomputing every hash: the first row whose stored previous hash is not the
    /// hash of the row before it (a row was removed or re-chained), or whose fields do not give its stored hash (it was
    /// edited), breaks it. Rows the retention sweep removed (<c>Retention__AuditLog</c>) went through a checkpoint that
    /// keeps the hash of the last row removed: the chain starts from it instead of from <see cref="AuditChain.Genesis"/>. The head
    /// hash lets an auditor anchor the chain elsewhere: cutting rows off the end is only visible against an earlier head.
    /// </summary>
    public async Task<AuditVerification> Verify(CancellationToken ct)
    {
        await using var connection = await _db.Value.OpenConnectionAsync(ct);
        // One snapshot for the checkpoint and the rows: a sweep committing in between would otherwise look like a cut.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var (expected, through, removed) = (AuditChain.Genesis, 0L, 0L);
        await using (var checkpoint = new NpgsqlCommand(
            "SELECT through_id, through_hash, (SELECT sum(rows_removed) FROM audit_checkpoints)::bigint FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
            connection, transaction))
        await using (var reader = await checkpoint.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                (through, expected, removed) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2));
            }
        }

        await using var command = new NpgsqlCommand($"SELECT {AuditChain.Columns} FROM audit_log WHERE id > @through ORDER BY id", connection, transaction);
        command.Parameters.AddWithValue("through", through);
        await using var rowsReader = await command.ExecuteReaderAsync(ct);
        long rows = 0;
        long? removedThrough = removed > 0 ? through : null;
        while (await rowsReader.ReadAsync(ct))
        {
            var row = AuditChain.Read(rowsReader);
            rows++;
            var reason = AuditChain.Check(row, expected) switch
            {
                AuditBreak.Unchained when rows == 1 && removedThrough is not null =>
                    $"row {row.Id} does not follow the last row retention removed (row {removedThrough}): a row after that one was removed or replaced",
                AuditBreak.Unchained =>
                    $"row {row.Id} does not follow the row before it (its previous hash is not that row's hash): a row before it was removed or replaced",
                AuditBreak.Edited => $"row {row.Id} was changed after it was written (its fields no longer give its hash)",
                _ => null,
            };
            if (reason is not null)
            {
                return new(false, rows, expected, row.Id, reason, removed, removedThrough);
            }

            expected = row.Hash;
        }

        return new(true, rows, expected, null, null, removed, removedThrough);
    }

    /// <summary>Whether the audit table can be written (the readiness check): it exists and the database answers.</summary>
    public async Task Probe(CancellationToken ct)
    {
        await using var connection = await _db.Value.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT 1 FROM audit_log LIMIT 0", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_db.IsValueCreated)
        {
            await _db.Value.DisposeAsync();
        }
    }
}

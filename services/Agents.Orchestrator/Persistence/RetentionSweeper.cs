using Agents.Hosting;
using Agents.Hosting.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// Deletes what ended longer ago than <see cref="RetentionOptions"/> keeps: incidents (with their notification and
/// remediation ledger rows and emergency pages) and deliberations, in batches of short transactions, and the oldest
/// rows of the audit trail through checkpoints (off unless <c>Retention__AuditLog</c> is set). Every orchestrator
/// runs one; the lease (<see cref="LeasedSweeper"/>) lets one sweep at a time. An incident still open to repeats
/// (escalated, its source not resolved) is never deleted, however old.
/// </summary>
internal sealed partial class RetentionSweeper(
    AgentsConnections connections,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionSweeper> logger) : LeasedSweeper(connections, clock, logger)
{
    /// <summary>The advisory lock key of the sweep's lease.</summary>
    public const string Lease = "agents.orchestrator.retention";

    protected override string LeaseName => Lease;

    protected override TimeSpan Interval => options.Value.Interval;

    protected override bool Enabled =>
        options.Value.Incidents > TimeSpan.Zero || options.Value.Deliberations > TimeSpan.Zero || options.Value.AuditLog > TimeSpan.Zero;

    /// <summary>The incidents, deliberations and audit rows the last round deleted (for tests).</summary>
    internal (int Incidents, int Deliberations, long AuditRows) LastDeleted { get; private set; }

    protected override async Task<string?> SweepAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var incidents = settings.Incidents > TimeSpan.Zero ? await DeleteIncidents(connection, now - settings.Incidents, settings.BatchSize, cancellationToken) : 0;
        var deliberations = settings.Deliberations > TimeSpan.Zero
            ? await DeleteInBatches(connection, """
                DELETE FROM orchestrator.deliberations WHERE deliberation_id IN (
                    SELECT deliberation_id FROM orchestrator.deliberations
                    WHERE status IN ('Decided', 'Escalated', 'Refused') AND updated_at < @before LIMIT @batch)
                """, now - settings.Deliberations, settings.BatchSize, cancellationToken)
            : 0;
        var auditRows = settings.AuditLog > TimeSpan.Zero ? await DeleteAuditRows(connection, now - settings.AuditLog, now, settings.BatchSize, cancellationToken) : 0;
        LastDeleted = (incidents, deliberations, auditRows);
        return incidents + deliberations + auditRows > 0
            ? $"deleted {incidents} ended incident(s) (with their ledger rows), {deliberations} ended deliberation(s) and {auditRows} audit row(s)"
            : null;
    }

    /// <summary>
    /// Deletes the oldest rows of the audit trail written before <paramref name="before"/>: the run of rows from the
    /// start of the chain up to the first one not that old, never the newest (the next append chains to it). Each batch
    /// is verified first, from the hash the last checkpoint kept: a row that was changed after it was written (its
    /// fields no longer give its hash) or that no longer follows the row before it stops the cut there, so retention
    /// never removes the evidence of an edit; the rows before it go, that row and every row after it stay (and
    /// <c>GET /audit/verify</c> names it), and each round logs it as an error. A batch records a checkpoint (the last row
    /// it removes and that row's hash, where verification starts from), then deletes through it in the same
    /// transaction, with the setting the table's trigger asks for.
    /// </summary>
    private async Task<long> DeleteAuditRows(NpgsqlConnection connection, DateTimeOffset before, DateTimeOffset now, int batch, CancellationToken ct)
    {
        const string cut = $"""
            SELECT {AuditChain.Columns}, (SELECT through_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1) FROM audit_log
            WHERE id < (SELECT max(id) FROM audit_log)
              AND id < coalesce((SELECT min(id) FROM audit_log WHERE at >= @before), 9223372036854775807)
            ORDER BY id LIMIT @batch
            """;
        long total = 0;
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var rows = new List<AuditEntry>(Math.Min(batch, 1024));
            var expected = AuditChain.Genesis;
            await using (var find = new NpgsqlCommand(cut, connection, transaction))
            {
                find.Parameters.AddWithValue("before", before);
                find.Parameters.AddWithValue("batch", batch);
                await using var reader = await find.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    if (rows.Count == 0 && !reader.IsDBNull(14))
                    {
                        expected = reader.GetString(14); // the hash the last checkpoint kept: the first row follows it
                    }

                    rows.Add(AuditChain.Read(reader));
                }
            }

            var sound = 0;
            foreach (var row in rows)
            {
                var broken = AuditChain.Check(row, expected);
                if (broken != AuditBreak.None)
                {
                    AuditCutStopped(Logger, row.Id, broken == AuditBreak.Edited
                        ? "it was changed after it was written (its fields no longer give its hash)"
                        : "it no longer follows the row before it (a row was removed or re-chained)");
                    break;
                }

                expected = row.Hash;
                sound++;
            }

            if (sound == 0)
            {
                return total;
            }

            var through = rows[sound - 1];
            await using (var record = new NpgsqlCommand("""
                INSERT INTO audit_checkpoints (at, through_id, through_hash, rows_removed, older_than) VALUES (@now, @through, @hash, @rows, @before);
                SELECT set_config('agents.audit_retention', 'on', true);
                DELETE FROM audit_log WHERE id <= @through;
                """, connection, transaction))
            {
                record.Parameters.AddWithValue("now", now);
                record.Parameters.AddWithValue("through", through.Id);
                record.Parameters.AddWithValue("hash", through.Hash);
                record.Parameters.AddWithValue("rows", (long)sound);
                record.Parameters.AddWithValue("before", before);
                await record.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            total += sound;
            if (sound < batch)
            {
                return total;
            }
        }
    }

    [LoggerMessage(LogLevel.Error,
        "Audit retention stops at row {Row} of audit_log: {Reason}. That row and every row after it are kept as evidence; GET /audit/verify names it")]
    private static partial void AuditCutStopped(ILogger logger, long row, string reason);

    private static async Task<int> DeleteIncidents(NpgsqlConnection connection, DateTimeOffset before, int batch, CancellationToken ct)
    {
        // One batch per transaction: the incidents and every row that names them, so a ledger never outlives its incident
        // (the orchestrator's migrations create the ledgers' tables).
        const string sql = """
            WITH gone AS (
                DELETE FROM orchestrator.incidents WHERE incident_id IN (
                    SELECT incident_id FROM orchestrator.incidents
                    WHERE NOT is_open AND status IN ('Resolved', 'Closed', 'Failed', 'Escalated') AND updated_at < @before
                    ORDER BY updated_at LIMIT @batch)
                RETURNING incident_id)
            SELECT array_agg(incident_id) FROM gone
            """;
        var total = 0;
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            Guid[] ids;
            await using (var delete = new NpgsqlCommand(sql, connection, transaction))
            {
                delete.Parameters.AddWithValue("before", before);
                delete.Parameters.AddWithValue("batch", batch);
                ids = await delete.ExecuteScalarAsync(ct) as Guid[] ?? [];
            }

            if (ids.Length > 0)
            {
                foreach (var table in new[] { "orchestrator.emergency_pages", NotificationLedgerSchema.Table, RemediationLedgerSchema.Table })
                {
                    await using var related = new NpgsqlCommand($"DELETE FROM {table} WHERE incident_id = ANY(@ids)", connection, transaction);
                    related.Parameters.AddWithValue("ids", ids);
                    await related.ExecuteNonQueryAsync(ct);
                }
            }

            await transaction.CommitAsync(ct);
            total += ids.Length;
            if (ids.Length < batch)
            {
                return total;
            }
        }
    }
}

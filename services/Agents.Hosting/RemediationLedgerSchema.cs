using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// The remediation service's tables in schema <c>remediation</c>: the execution ledger, <c>remediation.executions</c>
/// (one row per (incident, attempt, action step), claimed before the step is executed), and the global kill switch,
/// <c>remediation.kill_switch</c> (one row, set by the API). Created by the orchestrator's migrations (run by the
/// schema's owner in a deployment) and, when missing, by the remediation service itself at start (local runs).
/// </summary>
public static class RemediationLedgerSchema
{
    public const string Schema = "remediation";

    public const string Table = "remediation.executions";

    public const string KillSwitchTable = "remediation.kill_switch";

    /// <summary>Idempotent DDL: the schema, the tables and their indexes when they are missing.</summary>
    public const string Create = """
        CREATE SCHEMA IF NOT EXISTS remediation;
        CREATE TABLE IF NOT EXISTS remediation.executions (
            incident_id uuid NOT NULL,
            attempt integer NOT NULL,
            action_step integer NOT NULL,
            fingerprint text NOT NULL,
            service text NOT NULL,
            action_id text NOT NULL,
            target text NOT NULL,
            parameters jsonb NOT NULL DEFAULT '{}'::jsonb,
            status text NOT NULL CHECK (status IN ('claimed', 'succeeded', 'failed')),
            summary text,
            claimed_at timestamptz NOT NULL,
            finished_at timestamptz,
            claimed_by text NOT NULL,
            PRIMARY KEY (incident_id, attempt, action_step));
        CREATE INDEX IF NOT EXISTS executions_target_finished ON remediation.executions (target, finished_at);
        CREATE INDEX IF NOT EXISTS executions_fingerprint_finished ON remediation.executions (fingerprint, finished_at);
        CREATE TABLE IF NOT EXISTS remediation.kill_switch (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            engaged boolean NOT NULL,
            reason text,
            set_by text NOT NULL,
            set_at timestamptz NOT NULL);
        """;

    /// <summary>
    /// Creates the remediation schema's tables when missing (a deployment's migrations made them already; several
    /// services may start at once, so they take turns).
    /// </summary>
    public static async Task EnsureAsync(NpgsqlDataSource data, CancellationToken ct)
    {
        await using (var exists = data.CreateCommand($"SELECT to_regclass('{Table}') IS NOT NULL AND to_regclass('{KillSwitchTable}') IS NOT NULL"))
        {
            if (await exists.ExecuteScalarAsync(ct) is true)
            {
                return;
            }
        }

        await using var command = data.CreateCommand($"""
            SELECT pg_advisory_lock(hashtext('agents.remediation.ledger'));
            {Create}
            SELECT pg_advisory_unlock(hashtext('agents.remediation.ledger'));
            """);
        await command.ExecuteNonQueryAsync(ct);
    }
}

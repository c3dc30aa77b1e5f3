using Agents.Context.Sources;
using Agents.Contracts.Context;
using Npgsql;

namespace Agents.Context.DeployLog;

/// <summary>
/// The deploy events CI/CD pipelines reported, kept in PostgreSQL so that every instance of the context
/// service sees all of them and they survive restarts. Recording the same deploy twice is harmless.
/// </summary>
public sealed class PostgresDeployLog(NpgsqlDataSource dataSource) : IDeployLog
{
    /// <summary>
    /// Creates the table if it is missing; safe when several instances start at once. When it exists nothing is
    /// created, so a role with data rights only starts too.
    /// </summary>
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand(
            "SELECT to_regclass('deploy_events') IS NOT NULL AND to_regclass('deploy_events_by_service_time') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(ct) is true)
            {
                return;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(hashtext('agents.deploy_events'));
            CREATE TABLE IF NOT EXISTS deploy_events (
                id               bigserial PRIMARY KEY,
                service          text        NOT NULL,
                version          text        NOT NULL,
                previous_version text,
                deployed_at      timestamptz NOT NULL,
                environment      text,
                author           text,
                recorded_at      timestamptz NOT NULL DEFAULT now(),
                UNIQUE (service, version, deployed_at)
            );
            CREATE INDEX IF NOT EXISTS deploy_events_by_service_time ON deploy_events (service, deployed_at DESC);
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task RecordAsync(DeployRecord deploy, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO deploy_events (service, version, previous_version, deployed_at, environment, author)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (service, version, deployed_at) DO NOTHING
            """);
        command.Parameters.AddWithValue(deploy.Service);
        command.Parameters.AddWithValue(deploy.Version);
        command.Parameters.AddWithValue((object?)deploy.PreviousVersion ?? DBNull.Value);
        command.Parameters.AddWithValue(deploy.DeployedAt.ToUniversalTime());
        command.Parameters.AddWithValue((object?)deploy.Environment ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)deploy.Author ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<DeployRecord>> FindAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT service, version, previous_version, deployed_at, environment, author
            FROM deploy_events
            WHERE lower(service) = lower($1) AND deployed_at >= $2 AND deployed_at <= $3
            ORDER BY deployed_at DESC
            LIMIT 100
            """);
        command.Parameters.AddWithValue(service);
        command.Parameters.AddWithValue(from.ToUniversalTime());
        command.Parameters.AddWithValue(to.ToUniversalTime());
        var deploys = new List<DeployRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            deploys.Add(new DeployRecord
            {
                Service = reader.GetString(0),
                Version = reader.GetString(1),
                PreviousVersion = reader.IsDBNull(2) ? null : reader.GetString(2),
                DeployedAt = reader.GetFieldValue<DateTimeOffset>(3),
                Environment = reader.IsDBNull(4) ? null : reader.GetString(4),
                Author = reader.IsDBNull(5) ? null : reader.GetString(5),
            });
        }

        return deploys;
    }
}

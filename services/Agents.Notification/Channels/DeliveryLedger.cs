using Agents.Hosting;
using Npgsql;

namespace Agents.Notification.Channels;

/// <summary>What the ledger says about one delivery (incident, event, channel, target) when it is claimed.</summary>
public enum ClaimOutcome
{
    /// <summary>Claimed by this attempt: send it.</summary>
    Claimed,

    /// <summary>Delivered before: do not send.</summary>
    AlreadyDelivered,

    /// <summary>Claimed before by an attempt that never confirmed it, on a channel that is not idempotent: do not send again.</summary>
    Unconfirmed,

    /// <summary>Another attempt is delivering it right now (a duplicate of the command, consumed at the same time): do not send.</summary>
    InProgress,
}

/// <summary>
/// The answer of <see cref="IDeliveryLedger.ClaimAsync"/>. A <see cref="ClaimOutcome.Claimed"/> claim holds a lease on the
/// delivery until it is disposed (after <see cref="IDeliveryLedger.DeliveredAsync"/> or <see cref="IDeliveryLedger.FailedAsync"/>):
/// while it is held no other attempt sends it; when the process dies the lease goes with its connection.
/// </summary>
public sealed record DeliveryClaim(ClaimOutcome Outcome, string? ExternalId = null, DateTimeOffset? At = null, IAsyncDisposable? Lease = null, string? Error = null);

/// <summary>
/// The delivery ledger: every delivery of an event on a channel is claimed here before it is sent, so that a
/// redelivered, resumed or replayed command never posts twice. A failed delivery may be claimed again (nothing was
/// delivered); one claimed by an attempt that died mid-delivery is sent again only on an idempotent channel.
/// </summary>
public interface IDeliveryLedger
{
    Task<DeliveryClaim> ClaimAsync(Guid incidentId, string eventKey, string channel, string target, bool idempotent, CancellationToken ct);

    Task DeliveredAsync(Guid incidentId, string eventKey, string channel, string target, string? externalId, CancellationToken ct);

    Task FailedAsync(Guid incidentId, string eventKey, string channel, string target, string error, CancellationToken ct);

    /// <summary>
    /// The delivery went out and no answer came (it may have reached the provider): it stays claimed, with the reason,
    /// so that a later attempt sends it again only on an idempotent channel.
    /// </summary>
    Task UncertainAsync(Guid incidentId, string eventKey, string channel, string target, string error, CancellationToken ct);

    /// <summary>The provider's id of the incident's first confirmed delivery on <paramref name="channel"/> and <paramref name="target"/> (a Slack head message, a Jira issue).</summary>
    Task<string?> ThreadRefAsync(Guid incidentId, string channel, string target, CancellationToken ct);
}

/// <summary>The ledger in PostgreSQL: table <c>notification.deliveries</c>, created when the service starts.</summary>
public sealed class PostgresDeliveryLedger(AgentsConnections connections, TimeProvider clock) : IDeliveryLedger, IAsyncDisposable
{
    private const string Schema = NotificationLedgerSchema.Schema;

    private readonly NpgsqlDataSource _data = NpgsqlDataSource.Create(connections.PostgresConnection);

    /// <summary>How long a claim waits for another attempt that is delivering the same event; then it reports it in progress.</summary>
    public TimeSpan LeaseWait { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Creates the schema and the table when missing (a deployment's migrations made them already; several notification
    /// services may start at once, so they take turns).
    /// </summary>
    public async Task CreateAsync(CancellationToken ct)
    {
        await using (var exists = _data.CreateCommand($"SELECT to_regclass('{NotificationLedgerSchema.Table}') IS NOT NULL"))
        {
            if (await exists.ExecuteScalarAsync(ct) is true)
            {
                return;
            }
        }

        await using var command = _data.CreateCommand($"""
            SELECT pg_advisory_lock(hashtext('agents.notification.ledger'));
            {NotificationLedgerSchema.Create}
            SELECT pg_advisory_unlock(hashtext('agents.notification.ledger'));
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<DeliveryClaim> ClaimAsync(Guid incidentId, string eventKey, string channel, string target, bool idempotent, CancellationToken ct)
    {
        // The lease: a session advisory lock on the delivery's key, held on a connection of its own for as long as the
        // delivery is being sent. Held by someone else: that attempt is sending it now (this one waits for it, a while).
        // Free while the row says "claimed": the attempt that claimed it died (its connection, and so its lock, went
        // with it), or its request went out and no answer came back.
        var connection = await _data.OpenConnectionAsync(ct);
        var locked = false;
        var now = clock.GetUtcNow();
        try
        {
            var key = $"{incidentId:N}/{eventKey}/{channel}/{target}";
            if (!await Lock(connection, key, ct))
            {
                await connection.DisposeAsync();
                return new DeliveryClaim(ClaimOutcome.InProgress);
            }

            locked = true;
            var lease = new Lease(connection);
            var claim = await Claim(connection, incidentId, eventKey, channel, target, idempotent, now, ct);
            if (claim.Outcome == ClaimOutcome.Claimed)
            {
                return claim with { Lease = lease };
            }

            await lease.DisposeAsync();
            return claim;
        }
        catch
        {
            if (locked)
            {
                await Interrupted(connection, incidentId, eventKey, channel, target, now);
            }

            // Cancelled or failed after the lock was granted: give it up here, since a pooled connection keeps its
            // session (and the lock) until it is next used.
            await Unlocked(connection);
            throw;
        }
    }

    /// <summary>
    /// The claim may have been written before its answer was lost (cancelled, connection trouble): nothing was sent, so a
    /// claim this attempt wrote is marked failed (sent by the next attempt) rather than left claimed (never sent again).
    /// </summary>
    private static async Task Interrupted(NpgsqlConnection connection, Guid incidentId, string eventKey, string channel, string target, DateTimeOffset claimedAt)
    {
        try
        {
            await using var command = new NpgsqlCommand($"""
                UPDATE {Schema}.deliveries SET status = 'failed', error = 'the claim was interrupted before anything was sent'
                WHERE incident_id = $1 AND event_key = $2 AND channel = $3 AND target = $4 AND status = 'claimed' AND claimed_at = $5;
                """, connection);
            AddKey(command, incidentId, eventKey, channel, target);
            command.Parameters.Add(new() { Value = claimedAt });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken: the row stays claimed, reported unconfirmed (never sent twice).
        }
    }

    private static async Task Unlocked(NpgsqlConnection connection)
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken: the session, and its locks, end with it.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Takes the delivery's lease, waiting up to <see cref="LeaseWait"/> for an attempt that holds it (a copy of the
    /// command consumed at the same moment), so that this attempt reports what that one did rather than "in progress".
    /// </summary>
    private async Task<bool> Lock(NpgsqlConnection connection, string key, CancellationToken ct)
    {
        var wait = (long)Math.Max(1, LeaseWait.TotalMilliseconds);
        await using (var timeout = new NpgsqlCommand($"SET lock_timeout = {wait.ToString(System.Globalization.CultureInfo.InvariantCulture)}", connection))
        {
            await timeout.ExecuteNonQueryAsync(ct);
        }

        try
        {
            await using var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended($1, 0))", connection)
            {
                CommandTimeout = (int)Math.Ceiling(LeaseWait.TotalSeconds) + 30, // the server's lock_timeout ends the wait first
            };
            lockCommand.Parameters.Add(new() { Value = key });
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }

        await using (var reset = new NpgsqlCommand("RESET lock_timeout", connection))
        {
            await reset.ExecuteNonQueryAsync(CancellationToken.None);
        }

        return true;
    }

    private static async Task<DeliveryClaim> Claim(
        NpgsqlConnection connection, Guid incidentId, string eventKey, string channel, string target, bool idempotent, DateTimeOffset now, CancellationToken ct)
    {
        // One statement: a new row is claimed; a failed one (nothing was delivered) is claimed again; a claimed one (its
        // claimer died: this attempt holds the lease) only for an idempotent channel.
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {Schema}.deliveries (incident_id, event_key, channel, target, status, claimed_at)
            VALUES ($1, $2, $3, $4, 'claimed', $5)
            ON CONFLICT (incident_id, event_key, channel, target) DO UPDATE
                SET status = 'claimed', attempts = deliveries.attempts + 1, claimed_at = $5, error = NULL
                WHERE deliveries.status = 'failed' OR (deliveries.status = 'claimed' AND $6)
            RETURNING status;
            """, connection);
        AddKey(command, incidentId, eventKey, channel, target);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = idempotent });
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                return new DeliveryClaim(ClaimOutcome.Claimed);
            }
        }

        // Not won: the row is delivered, or claimed by an attempt that died before confirming it.
        await using var read = new NpgsqlCommand($"""
            SELECT status, external_id, coalesce(finished_at, claimed_at), error FROM {Schema}.deliveries
            WHERE incident_id = $1 AND event_key = $2 AND channel = $3 AND target = $4;
            """, connection);
        AddKey(read, incidentId, eventKey, channel, target);
        await using var row = await read.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            return new DeliveryClaim(ClaimOutcome.Unconfirmed); // removed meanwhile: never sent twice by guessing
        }

        var status = row.GetString(0);
        var external = row.IsDBNull(1) ? null : row.GetString(1);
        var at = row.GetFieldValue<DateTimeOffset>(2);
        var error = row.IsDBNull(3) ? null : row.GetString(3);
        return new DeliveryClaim(status == "delivered" ? ClaimOutcome.AlreadyDelivered : ClaimOutcome.Unconfirmed, external, at, Error: error);
    }

    /// <summary>Releases the delivery's advisory lock (the only lock its connection holds) and the connection.</summary>
    private sealed class Lease(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await Unlocked(connection);
    }

    /// <summary>The delivery's key as the parameters $1 to $4 of <paramref name="command"/>.</summary>
    private static void AddKey(NpgsqlCommand command, Guid incidentId, string eventKey, string channel, string target)
    {
        command.Parameters.Add(new() { Value = incidentId });
        command.Parameters.Add(new() { Value = eventKey });
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = target });
    }

    public Task DeliveredAsync(Guid incidentId, string eventKey, string channel, string target, string? externalId, CancellationToken ct) =>
        Finish(incidentId, eventKey, channel, target, "delivered", externalId, null, ct);

    public Task FailedAsync(Guid incidentId, string eventKey, string channel, string target, string error, CancellationToken ct) =>
        Finish(incidentId, eventKey, channel, target, "failed", null, error, ct);

    public async Task UncertainAsync(Guid incidentId, string eventKey, string channel, string target, string error, CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"""
            UPDATE {Schema}.deliveries SET error = $5
            WHERE incident_id = $1 AND event_key = $2 AND channel = $3 AND target = $4 AND status = 'claimed';
            """);
        AddKey(command, incidentId, eventKey, channel, target);
        command.Parameters.Add(new() { Value = error });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task Finish(Guid incidentId, string eventKey, string channel, string target, string status, string? externalId, string? error, CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"""
            UPDATE {Schema}.deliveries SET status = $5, finished_at = $6, external_id = $7, error = $8
            WHERE incident_id = $1 AND event_key = $2 AND channel = $3 AND target = $4;
            """);
        AddKey(command, incidentId, eventKey, channel, target);
        command.Parameters.Add(new() { Value = status });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        command.Parameters.Add(new() { Value = (object?)externalId ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value });
        // Not the token of the caller: a delivery that happened is recorded even while the service stops.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    public async Task<string?> ThreadRefAsync(Guid incidentId, string channel, string target, CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"""
            SELECT external_id FROM {Schema}.deliveries
            WHERE incident_id = $1 AND channel = $2 AND target = $3 AND status = 'delivered' AND external_id IS NOT NULL
            ORDER BY finished_at LIMIT 1;
            """);
        command.Parameters.Add(new() { Value = incidentId });
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = target });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public ValueTask DisposeAsync() => _data.DisposeAsync();
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// A periodic job over PostgreSQL that one replica at a time runs: every <see cref="Interval"/> each replica tries a
/// session advisory lock named <see cref="LeaseName"/> (the lease); the one that gets it runs <see cref="SweepAsync"/>
/// and gives the lease back, the others skip that round. A replica that dies holding it loses it with its connection.
/// A failed round is logged and tried again at the next interval. Retention jobs are built on it.
/// </summary>
public abstract partial class LeasedSweeper(AgentsConnections connections, TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>The advisory lock's name (hashed into its key).</summary>
    protected abstract string LeaseName { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>False: the job is switched off (logged once at start).</summary>
    protected abstract bool Enabled { get; }

    /// <summary>One round, on the lease's connection; answers a line for the log when it did something, else null.</summary>
    protected abstract Task<string?> SweepAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken);

    protected TimeProvider Clock => clock;

    protected ILogger Logger => logger;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            Off(logger, GetType().Name);
            return;
        }

        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    Failed(logger, e, GetType().Name, Interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The service stops.
        }
    }

    /// <summary>One round if the lease is free: answers false when another replica holds it.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connections.PostgresConnection);
        await connection.OpenAsync(cancellationToken);
        await using (var lease = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext(@name))", connection))
        {
            lease.Parameters.AddWithValue("name", LeaseName);
            if (await lease.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return false;
            }
        }

        try
        {
            if (await SweepAsync(connection, clock.GetUtcNow(), cancellationToken) is { } done)
            {
                Swept(logger, GetType().Name, done);
            }

            return true;
        }
        finally
        {
            // A pooled connection keeps its session's locks: give the lease back before the connection goes back.
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext(@name))", connection);
            release.Parameters.AddWithValue("name", LeaseName);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    /// <summary>Runs <paramref name="sql"/> (a DELETE of at most <c>@batch</c> rows older than <c>@before</c>) until a batch comes back short; answers the rows deleted.</summary>
    protected static async Task<int> DeleteInBatches(NpgsqlConnection connection, string sql, DateTimeOffset before, int batch, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("before", before);
            command.Parameters.AddWithValue("batch", batch);
            var deleted = await command.ExecuteNonQueryAsync(ct);
            total += deleted;
            if (deleted < batch)
            {
                return total;
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "{Job} is off: its retention is 00:00:00 (keep forever)")]
    private static partial void Off(ILogger logger, string job);

    [LoggerMessage(LogLevel.Warning, "{Job} failed; trying again in {Interval}")]
    private static partial void Failed(ILogger logger, Exception exception, string job, TimeSpan interval);

    [LoggerMessage(LogLevel.Information, "{Job}: {Done}")]
    private static partial void Swept(ILogger logger, string job, string done);
}

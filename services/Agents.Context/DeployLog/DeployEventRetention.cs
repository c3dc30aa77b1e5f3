using System.ComponentModel.DataAnnotations;
using Agents.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Agents.Context.DeployLog;

/// <summary>
/// Configuration section <c>Retention</c> of the context service: <c>Retention__DeployEvents</c> (default 90 days;
/// <c>00:00:00</c> keeps forever) and <c>Retention__Interval</c> (default 1 hour).
/// </summary>
public sealed class DeployEventRetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>A deploy event that happened this long ago is deleted. Far longer than any incident's look-back.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan DeployEvents { get; set; } = TimeSpan.FromDays(90);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;
}

/// <summary>Deletes deploy events older than <see cref="DeployEventRetentionOptions.DeployEvents"/>, one context replica at a time.</summary>
public sealed class DeployEventRetention(
    AgentsConnections connections, IOptions<DeployEventRetentionOptions> options, TimeProvider clock, ILogger<DeployEventRetention> logger)
    : LeasedSweeper(connections, clock, logger)
{
    public const string Lease = "agents.context.deploy-events-retention";

    protected override string LeaseName => Lease;

    protected override TimeSpan Interval => options.Value.Interval;

    protected override bool Enabled => options.Value.DeployEvents > TimeSpan.Zero;

    /// <summary>The deploy events the last round deleted (for tests).</summary>
    public int LastDeleted { get; private set; }

    protected override async Task<string?> SweepAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        LastDeleted = await DeleteInBatches(connection, """
            DELETE FROM deploy_events WHERE id IN (SELECT id FROM deploy_events WHERE deployed_at < @before LIMIT @batch)
            """, now - options.Value.DeployEvents, options.Value.BatchSize, cancellationToken);
        return LastDeleted > 0 ? $"deleted {LastDeleted} deploy event(s) older than {options.Value.DeployEvents}" : null;
    }
}

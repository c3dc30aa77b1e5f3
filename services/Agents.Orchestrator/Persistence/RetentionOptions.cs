using System.ComponentModel.DataAnnotations;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// Configuration section <c>Retention</c>: how long the store keeps what has ended (<c>Retention__Incidents</c>,
/// <c>Retention__Deliberations</c>) and the audit trail (<c>Retention__AuditLog</c>); <c>00:00:00</c> keeps forever and how often one orchestrator at a time deletes
/// what is older (<c>Retention__Interval</c>).
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>An incident that ended (Resolved, Closed, Failed, or Escalated and no longer open) this long ago is deleted, with its ledger rows. Default 90 days.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan Incidents { get; set; } = TimeSpan.FromDays(90);

    /// <summary>A deliberation that ended (Decided, Escalated, Refused) this long ago is deleted. Default 90 days.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan Deliberations { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Rows of the audit trail older than this are deleted, oldest first, each cut recorded in <c>audit_checkpoints</c>
    /// with the hash the chain continues from (the newest row always stays). Default <c>00:00:00</c>: kept forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan AuditLog { get; set; } = TimeSpan.Zero;

    /// <summary>How often the sweep runs. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most rows one statement deletes; a sweep repeats until nothing is left (short transactions, no long lock).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;
}

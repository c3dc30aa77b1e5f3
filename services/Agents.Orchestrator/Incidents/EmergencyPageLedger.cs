using System.Collections.Concurrent;
using Agents.Orchestrator.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Agents.Orchestrator.Incidents;

/// <summary>Decides whether an emergency page for an incident is the first one (and so is sent).</summary>
public interface IEmergencyPageLedger
{
    /// <summary>Records the page for <paramref name="incidentId"/>; true when none was recorded before.</summary>
    Task<bool> TryClaim(Guid incidentId, string reason, CancellationToken cancellationToken);
}

/// <summary>Once per incident within this process (saga unit tests, and the fallback when the store is down).</summary>
public sealed class InMemoryEmergencyPageLedger : IEmergencyPageLedger
{
    private readonly ConcurrentDictionary<Guid, string> _paged = new();

    public Task<bool> TryClaim(Guid incidentId, string reason, CancellationToken cancellationToken) =>
        Task.FromResult(_paged.TryAdd(incidentId, reason));
}

/// <summary>
/// Once per incident across every orchestrator and restart: the page is claimed by inserting the incident's row in
/// <c>orchestrator.emergency_pages</c>. When the store cannot be reached (often the very fault being paged about)
/// the claim falls back to once per process: a second page is better than none.
/// </summary>
public sealed class StoredEmergencyPageLedger(
    IDbContextFactory<IncidentDbContext> contexts, TimeProvider clock, ILogger<StoredEmergencyPageLedger> logger) : IEmergencyPageLedger
{
    private readonly InMemoryEmergencyPageLedger _fallback = new();

    public async Task<bool> TryClaim(Guid incidentId, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO orchestrator.emergency_pages (incident_id, paged_at, reason) VALUES ({incidentId}, {clock.GetUtcNow()}, {reason}) ON CONFLICT (incident_id) DO NOTHING",
                cancellationToken);
            return inserted == 1;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            OrchestratorLog.EmergencyLedgerUnavailable(logger, exception, incidentId);
            return await _fallback.TryClaim(incidentId, reason, cancellationToken);
        }
    }
}

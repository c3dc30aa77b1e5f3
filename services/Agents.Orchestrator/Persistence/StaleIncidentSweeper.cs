using System.Diagnostics;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Orchestrator.Incidents;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// Every <see cref="OrchestratorOptions.StaleSweepInterval"/>, looks in the store for escalated incidents still open that
/// were created longer than <see cref="OrchestratorOptions.EscalatedMaxOpenAge"/> ago (at most <see cref="BatchSize"/>,
/// oldest first) and asks the saga to close each (<see cref="CloseStaleIncident"/>). Every orchestrator runs one: the saga
/// checks each command again, so that two replicas asking for the same incident close it once. A failed sweep (the
/// database is down) is logged and tried again at the next interval. Registered after the bus, as <see cref="IncidentResumer"/>.
/// </summary>
internal sealed class StaleIncidentSweeper(
    IDbContextFactory<IncidentDbContext> contexts,
    IBus bus,
    IOptions<OrchestratorOptions> options,
    TimeProvider clock,
    ILogger<StaleIncidentSweeper> logger) : BackgroundService
{
    /// <summary>The most incidents one sweep closes; the rest wait for the next one.</summary>
    public const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (maxAge, interval) = (options.Value.EscalatedMaxOpenAge, options.Value.StaleSweepInterval);
        if (maxAge <= TimeSpan.Zero)
        {
            OrchestratorLog.StaleSweepOff(logger);
            return;
        }

        OrchestratorLog.StaleSweepStarted(logger, IncidentStateMachine.FormatAge(maxAge), IncidentStateMachine.FormatAge(interval), BatchSize);
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            do
            {
                try
                {
                    await Sweep(maxAge, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    OrchestratorLog.StaleSweepFailed(logger, e, IncidentStateMachine.FormatAge(interval));
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The orchestrator stops.
        }
    }

    /// <summary>One pass: asks the saga to close each escalated incident past <paramref name="maxAge"/>; answers how many it asked about.</summary>
    internal async Task<int> Sweep(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<StaleIncident> stale;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            stale = await FindStale(db, now - maxAge, BatchSize, cancellationToken);
        }

        foreach (var incident in stale)
        {
            // The close belongs to the incident's trace, as a resume does.
            using var activity = AgentsTelemetry.ActivitySource.StartActivity("close stale incident", ActivityKind.Producer, incident.TraceParent)
                .TagIncident(incident.IncidentId, null);
            await bus.Publish(new CloseStaleIncident { IncidentId = incident.IncidentId, MaxOpenAge = maxAge, AsOf = now }, cancellationToken);
        }

        if (stale.Count > 0)
        {
            OrchestratorLog.ClosingStale(logger, stale.Count, IncidentStateMachine.FormatAge(maxAge),
                stale.Count == BatchSize ? $" (the first {BatchSize}; the next sweep takes the rest)" : "");
        }

        return stale.Count;
    }

    /// <summary>
    /// The escalated incidents still open that were created before <paramref name="createdBefore"/>, oldest first, at most
    /// <paramref name="limit"/> (one query on <c>ix_incidents_status_created</c>).
    /// </summary>
    internal static Task<List<StaleIncident>> FindStale(IncidentDbContext db, DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken) =>
        db.Incidents.AsNoTracking()
            .Where(i => i.CurrentState == IncidentStatuses.Escalated && i.IsOpen && i.CreatedAt < createdBefore)
            .OrderBy(i => i.CreatedAt).ThenBy(i => i.CorrelationId)
            .Take(limit)
            .Select(i => new StaleIncident(i.CorrelationId, i.CreatedAt, i.TraceParent))
            .ToListAsync(cancellationToken);

    internal sealed record StaleIncident(Guid IncidentId, DateTimeOffset CreatedAt, string? TraceParent);
}

using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// When the orchestrator starts (after the bus), asks the saga to resume every incident that is not ended: a
/// crash may have come between saving an incident and sending its next command. Registered after the bus, so
/// the resume messages go out once it runs.
/// </summary>
internal sealed class IncidentResumer(
    IDbContextFactory<IncidentDbContext> contexts,
    IBus bus,
    ILogger<IncidentResumer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var inFlight = await db.Incidents.AsNoTracking()
            .Where(i => !IncidentStatuses.Terminal.Contains(i.CurrentState))
            .Select(i => i.CorrelationId)
            .ToListAsync(cancellationToken);
        var reason = $"{Environment.MachineName}-{Environment.ProcessId} started";
        foreach (var id in inFlight)
        {
            await bus.Publish(new ResumeIncident { IncidentId = id, Reason = reason }, cancellationToken);
        }

        OrchestratorLog.Resuming(logger, inFlight.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

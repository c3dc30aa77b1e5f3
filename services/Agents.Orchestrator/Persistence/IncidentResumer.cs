using System.Diagnostics;
using Agents.Contracts.Incidents;
using Agents.Hosting;
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
            .Select(i => new { i.CorrelationId, i.TraceParent })
            .ToListAsync(cancellationToken);
        var reason = $"{Environment.MachineName}-{Environment.ProcessId} started";
        foreach (var incident in inFlight)
        {
            // The resume and what it sends again belong to the incident's trace.
            using var activity = AgentsTelemetry.ActivitySource.StartActivity("resume incident", ActivityKind.Producer, incident.TraceParent)
                .TagIncident(incident.CorrelationId, null);
            await bus.Publish(new ResumeIncident { IncidentId = incident.CorrelationId, Reason = reason }, cancellationToken);
        }

        OrchestratorLog.Resuming(logger, inFlight.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

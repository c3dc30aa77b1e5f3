using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;

namespace Agents.Scheduler;

/// <summary>Ready while this node's Quartz scheduler runs (status Running).</summary>
internal sealed class SchedulerHealthCheck(ISchedulerFactory schedulers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return scheduler.Status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy($"Quartz node {scheduler.SchedulerInstanceId} is firing")
            : HealthCheckResult.Unhealthy($"Quartz node {scheduler.SchedulerInstanceId} is {scheduler.Status}, not firing");
    }
}

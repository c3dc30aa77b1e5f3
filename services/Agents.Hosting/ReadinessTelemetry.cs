using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Agents.Hosting;

/// <summary>
/// <c>agents_health_ready</c> on <c>/metrics</c>: 1 while the checks behind <c>/health/ready</c> (tagged <c>ready</c>: the
/// bus connected, and each service's own) pass, 0 while one fails, so that Prometheus sees a service that answers but is
/// not ready (deploy/monitoring). The checks run every <see cref="Period"/>, as Kubernetes' probes do; nothing is exported
/// before the first run.
/// </summary>
public sealed class ReadinessTelemetry : IHealthCheckPublisher
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    private static int? _ready;

    public static ObservableGauge<int> Ready { get; } = AgentsTelemetry.Meter.CreateObservableGauge(
        "agents.health.ready",
        () => _ready is { } ready ? [new Measurement<int>(ready)] : Array.Empty<Measurement<int>>(),
        "{ready}",
        "1 while the service's readiness checks (/health/ready) pass, 0 while one fails.");

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        // As /health/ready answers: 200 for Healthy and Degraded, 503 for Unhealthy.
        _ready = report.Status == HealthStatus.Unhealthy ? 0 : 1;
        return Task.CompletedTask;
    }

    /// <summary>Runs the readiness checks every <see cref="Period"/> and publishes their result as <see cref="Ready"/>.</summary>
    public static IServiceCollection AddReadinessMetric(IServiceCollection services)
    {
        services.AddSingleton<IHealthCheckPublisher, ReadinessTelemetry>();
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Predicate = c => c.Tags.Contains("ready");
            o.Delay = TimeSpan.FromSeconds(2);
            o.Period = Period;
        });
        return services;
    }
}

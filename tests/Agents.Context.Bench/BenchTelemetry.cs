using System.Globalization;
using Agents.Hosting.Catalog;
using Agents.Testing;

namespace Agents.Context.Bench;

/// <summary>
/// Everything the context collector asks, on loopback: a real Prometheus over 2.5 hours of written history of ten
/// services (<see cref="PrometheusHistory"/>), the local fakes of Loki, Datadog, CloudWatch, the PagerDuty REST API and
/// the Kubernetes API seeded with data that follows the same story (<see cref="TelemetrySeeds"/>), and the deploy log
/// in memory. Incidents are alerts at <see cref="AlertTime"/>, the end of the written history.
/// </summary>
internal sealed class BenchTelemetry : IAsyncDisposable
{
    public const string LokiTenant = "shop";
    public const string LokiToken = "glc_bench-loki-token";
    public const string DatadogApiKey = "dd-api-bench-0123456789abcdef";
    public const string DatadogApplicationKey = "dd-app-bench-fedcba9876543210";

    private readonly List<IAsyncDisposable> _servers = [];

    private BenchTelemetry(DateTimeOffset alertTime) => AlertTime = alertTime;

    /// <summary>The alerts' time: the last sample Prometheus holds (on its 15 s grid, a minute before the start).</summary>
    public DateTimeOffset AlertTime { get; }

    public PrometheusHistory Prometheus { get; private set; } = null!;

    public FakeLoki Loki { get; private set; } = null!;

    public FakeDatadog Datadog { get; private set; } = null!;

    public FakeCloudWatch CloudWatch { get; private set; } = null!;

    public FakePagerDutyRest PagerDuty { get; private set; } = null!;

    public FakeKubernetesApi Kubernetes { get; private set; } = null!;

    public MemoryDeployLog DeployLog { get; } = new();

    /// <summary>What was written into each server, for the set-up line.</summary>
    public TelemetrySeeds.Counts Seeded { get; private set; } = new();

    /// <summary>The configuration that turns every source on against these servers (<c>Context:Sources:*</c>).</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["Context:Sources:Prometheus:Url"] = Prometheus.Address.AbsoluteUri,
        ["Context:Sources:Loki:Url"] = Loki.Url.AbsoluteUri,
        ["Context:Sources:Loki:TenantId"] = LokiTenant,
        ["Context:Sources:Loki:BearerToken"] = LokiToken,
        ["Context:Sources:Datadog:Url"] = Datadog.Url.AbsoluteUri,
        ["Context:Sources:Datadog:ApiKey"] = DatadogApiKey,
        ["Context:Sources:Datadog:ApplicationKey"] = DatadogApplicationKey,
        ["Context:Sources:CloudWatch:Url"] = CloudWatch.Endpoint.AbsoluteUri,
        ["Context:Sources:CloudWatch:Region"] = CloudWatch.Region,
        ["Context:Sources:CloudWatch:AccessKeyId"] = FakeCloudWatch.AccessKeyId,
        ["Context:Sources:CloudWatch:SecretAccessKey"] = FakeCloudWatch.SecretAccessKey,
        ["Context:Sources:PagerDuty:Url"] = PagerDuty.Endpoint.AbsoluteUri,
        ["Context:Sources:PagerDuty:ApiToken"] = FakePagerDutyRest.Token,
        ["Context:Sources:Kubernetes:Url"] = Kubernetes.Url.AbsoluteUri,
        ["Context:Sources:Kubernetes:Token"] = FakeKubernetesApi.DefaultToken,
    };

    /// <summary>Writes the history, starts Prometheus over it, starts the fakes and seeds them from <paramref name="catalog"/>.</summary>
    public static async Task<BenchTelemetry> Start(ServiceCatalog catalog)
    {
        var grid = (long)PrometheusHistory.DefaultInterval.TotalSeconds;
        var end = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow - PrometheusHistory.DefaultEndBeforeNow).ToUnixTimeSeconds() / grid * grid);
        var telemetry = new BenchTelemetry(end);
        try
        {
            var shapes = BenchCatalog.Shapes(end);
            telemetry.Prometheus = telemetry.Keep(await PrometheusHistory.Start(shapes, end: end));
            telemetry.Loki = telemetry.Keep(await FakeLoki.Start(tenant: LokiTenant, bearerToken: LokiToken));
            telemetry.Datadog = telemetry.Keep(await FakeDatadog.Start(DatadogApiKey, DatadogApplicationKey));
            telemetry.CloudWatch = telemetry.Keep(await FakeCloudWatch.Start());
            telemetry.PagerDuty = telemetry.Keep(await FakePagerDutyRest.Start());
            telemetry.Kubernetes = telemetry.Keep(await FakeKubernetesApi.Start());
            telemetry.Seeded = await new TelemetrySeeds(catalog, shapes, end).Seed(telemetry);
            return telemetry;
        }
        catch
        {
            await telemetry.DisposeAsync();
            throw;
        }
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"set-up: Prometheus over {Prometheus.To - Prometheus.From:h\\:mm} h of history of {Prometheus.Services.Count} services every {Prometheus.Interval.TotalSeconds:0} s "
        + $"(written and backfilled in {Prometheus.BackfillTime.TotalSeconds:0.0} s); Loki {Seeded.LokiLines} lines; "
        + $"Datadog {Seeded.DatadogSeries} series of {Seeded.DatadogPoints} points, {Seeded.DatadogEvents} events, {Seeded.DatadogLogs} logs; "
        + $"CloudWatch {Seeded.CloudWatchMetrics} metrics of {Seeded.CloudWatchPoints} points; "
        + $"PagerDuty {Seeded.PagerDutyIncidents} incidents with {Seeded.PagerDutyNotes} notes; "
        + $"Kubernetes {Seeded.KubernetesReplicaSets} replicasets, {Seeded.KubernetesPods} pods, {Seeded.KubernetesEvents} events; "
        + $"deploy log {DeployLog.Count} deploys");

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Enumerable.Reverse(_servers))
        {
            await server.DisposeAsync();
        }

        _servers.Clear();
    }

    private T Keep<T>(T server)
        where T : IAsyncDisposable
    {
        _servers.Add(server);
        return server;
    }
}

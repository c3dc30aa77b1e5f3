using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using static Agents.Testing.PrometheusHistory;

namespace Agents.Context.Bench;

/// <summary>
/// Seeds the fakes with what a real estate would hold around the alert time T, every figure following the services'
/// <see cref="BenchCatalog.Shapes"/> (the same story Prometheus tells), at realistic volumes. The metric and event
/// parts are here; PagerDuty and Kubernetes are in the other part of this class.
/// </summary>
internal sealed partial class TelemetrySeeds(ServiceCatalog catalog, IReadOnlyList<ServiceHistory> shapes, DateTimeOffset alert)
{
    private const string Namespace = "shop";
    private static readonly TimeSpan History = TimeSpan.FromMinutes(150);

    private readonly Random _random = new(20261124);
    private readonly Counts _counts = new();

    /// <summary>How much was written where.</summary>
    internal sealed class Counts
    {
        public int LokiLines { get; set; }

        public int DatadogSeries { get; set; }

        public int DatadogPoints { get; set; }

        public int DatadogEvents { get; set; }

        public int DatadogLogs { get; set; }

        public int CloudWatchMetrics { get; set; }

        public int CloudWatchPoints { get; set; }

        public int PagerDutyIncidents { get; set; }

        public int PagerDutyNotes { get; set; }

        public int KubernetesReplicaSets { get; set; }

        public int KubernetesPods { get; set; }

        public int KubernetesEvents { get; set; }
    }

    public async Task<Counts> Seed(BenchTelemetry telemetry)
    {
        SeedLoki(telemetry);
        SeedDatadog(telemetry);
        SeedCloudWatch(telemetry);
        SeedPagerDuty(telemetry);
        SeedKubernetes(telemetry);
        await SeedDeployLog(telemetry.DeployLog);
        return _counts;
    }

    /// <summary>The pods a service's current ReplicaSet runs: <c>&lt;service&gt;-&lt;hash&gt;-&lt;5 chars&gt;</c>.</summary>
    private static IReadOnlyList<string> Pods(string service, int count)
    {
        var random = new Random(service.Length * 7919);
        return Enumerable.Range(0, count)
            .Select(_ => $"{service}-{CurrentHash(service)}-{string.Concat(Enumerable.Range(0, 5).Select(_ => "bcdfghjklmnpqrstvwxz2456789"[random.Next(27)]))}")
            .ToList();
    }

    private static string CurrentHash(string service) => service == BenchCatalog.Checkout ? "7d9f8c6b5" : "5b6c7d8e9";

    private ServiceHistory Shape(string service) => shapes.Single(s => s.Service == service);

    /// <summary>A level at <paramref name="at"/> with relative Gaussian noise (Box–Muller).</summary>
    private double Noisy(HistoryLevel level, DateTimeOffset at)
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var gaussian = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return Math.Max(0, level.LevelAt(at) * (1 + (level.Noise * gaussian)));
    }

    private static IEnumerable<DateTimeOffset> Every(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        for (var t = from; t <= to; t += step)
        {
            yield return t;
        }
    }

    /// <summary>About 1,500 error lines of checkout's containers over the history, two thirds after the step.</summary>
    private void SeedLoki(BenchTelemetry telemetry)
    {
        var pods = Pods(BenchCatalog.Checkout, 6);
        foreach (var (at, line) in LogLines.Generate(alert - History, alert, alert.AddMinutes(-20), 1500, seed: 11))
        {
            var pod = pods[_random.Next(pods.Count)];
            telemetry.Loki.Add(at, line, new Dictionary<string, string> { ["namespace"] = Namespace, ["container"] = BenchCatalog.Checkout, ["pod"] = pod });
            _counts.LokiLines++;
        }
    }

    /// <summary>
    /// Every Datadog metric query of the catalog answered with a point every 20 s (saturation per pod: 6 or 8 series),
    /// about 60 events of which a few are deploys, and 800 error logs.
    /// </summary>
    private void SeedDatadog(BenchTelemetry telemetry)
    {
        var times = Every(alert - History, alert, TimeSpan.FromSeconds(20)).ToList();
        foreach (var entry in catalog.Services.Where(e => e.Datadog is not null))
        {
            var (queries, shape) = (entry.Datadog!, Shape(entry.Name));
            var scope = $"env:production,service:{entry.Name}";
            AddSeries(queries.ErrorRatio, scope, [], t => Noisy(shape.ErrorRatio, t));
            AddSeries(queries.LatencyP99, scope, [], t => Noisy(shape.LatencyP99, t));
            if (queries.Saturation is not null && shape.Saturation is { } saturation)
            {
                var pods = Pods(entry.Name, entry.Name == BenchCatalog.Checkout ? 6 : 8);
                for (var i = 0; i < pods.Count; i++)
                {
                    var skew = 0.85 + (0.05 * i);
                    AddSeries(queries.Saturation, $"kube_deployment:{entry.Name},kube_namespace:{Namespace},pod_name:{pods[i]}", [$"pod_name:{pods[i]}"],
                        t => Math.Min(100, 100 * skew * Noisy(saturation, t)));
                }
            }
        }

        var events = new List<(TimeSpan Before, string Title, string[] Tags)>
        {
            (TimeSpan.FromMinutes(23), "Deployed checkout v2.14.0", ["service:checkout", "env:production", "deployment", "version:v2.14.0", "previous_version:v2.13.0", "author:ci-pipeline"]),
            (TimeSpan.FromHours(26), "Deployed checkout v2.13.0", ["service:checkout", "env:production", "deployment", "version:v2.13.0", "previous_version:v2.12.0"]),
            (TimeSpan.FromMinutes(95), "Deploy of search version 5.2.2 finished", ["service:search", "env:production"]),
            (TimeSpan.FromMinutes(50), "Deployed payments v3.8.0", ["service:payments", "env:production", "deployment", "version:v3.8.0"]),
            (TimeSpan.FromMinutes(70), "Deployed checkout v2.14.0 to staging", ["service:checkout", "env:staging", "deployment", "version:v2.14.0"]),
        };
        string[] services = [BenchCatalog.Checkout, BenchCatalog.Search, "payments", "inventory", .. BenchCatalog.OtherServices];
        string[] kinds = ["Autoscaled {0} to {1} replicas", "[Triggered] {0} error budget burn rate above {1}x", "[Recovered] {0} error budget burn rate above {1}x", "Feature flag new-{0}-flow set to {1}%", "Config map {0}-settings updated ({1} keys)"];
        for (var i = 0; i < 60; i++)
        {
            var service = services[_random.Next(services.Length)];
            var title = string.Format(System.Globalization.CultureInfo.InvariantCulture, kinds[_random.Next(kinds.Length)], service, _random.Next(2, 40));
            events.Add((TimeSpan.FromMinutes(_random.Next(1, 170)), title, [$"service:{service}", "env:production", "source:kubernetes"]));
        }

        foreach (var (before, title, tags) in events)
        {
            telemetry.Datadog.AddEvent(alert - before, title, tags, text: $"%%% \n{title}\n %%%");
            _counts.DatadogEvents++;
        }

        foreach (var (at, line) in LogLines.Generate(alert - History, alert, alert.AddMinutes(-20), 800, seed: 12))
        {
            telemetry.Datadog.AddLog(at, line, service: BenchCatalog.Checkout);
            _counts.DatadogLogs++;
        }

        void AddSeries(string? query, string seriesScope, IReadOnlyList<string> tagSet, Func<DateTimeOffset, double> value)
        {
            if (query is null)
            {
                return;
            }

            telemetry.Datadog.AddSeries(query, seriesScope, times.Select(t => (t, (double?)value(t))).ToList(), tagSet);
            _counts.DatadogSeries++;
            _counts.DatadogPoints += times.Count;
        }
    }

    /// <summary>Every CloudWatch metric of the catalog, a point a minute over three hours (ALB counts, p99, CPU percent).</summary>
    private void SeedCloudWatch(BenchTelemetry telemetry)
    {
        var minutes = Every(alert.AddHours(-3), alert, TimeSpan.FromMinutes(1)).ToList();
        foreach (var entry in catalog.Services.Where(e => e.CloudWatch is not null))
        {
            var (queries, shape) = (entry.CloudWatch!, Shape(entry.Name));
            if (queries.ErrorRatio is { } ratio)
            {
                var requests = minutes.Select(t => (t, Math.Round(shape.RequestsPerSecond * 60 * (0.95 + (0.1 * _random.NextDouble()))))).ToList();
                Add(queries.Namespace, ratio.Requests, queries.Dimensions, "Sum", requests);
                Add(queries.Namespace, ratio.Errors, queries.Dimensions, "Sum", requests.Select(r => (r.t, Math.Round(r.Item2 * Noisy(shape.ErrorRatio, r.t)))).ToList());
            }

            if (queries.LatencyP99 is { } latency)
            {
                Add(latency.Namespace ?? queries.Namespace, latency.MetricName, latency.Dimensions ?? queries.Dimensions, latency.Stat,
                    minutes.Select(t => (t, Noisy(shape.LatencyP99, t))).ToList());
            }

            if (queries.Saturation is { } cpu && shape.Saturation is { } saturation)
            {
                Add(cpu.Namespace ?? queries.Namespace, cpu.MetricName, cpu.Dimensions ?? queries.Dimensions, cpu.Stat,
                    minutes.Select(t => (t, Math.Min(100, 100 * Noisy(saturation, t)))).ToList());
            }
        }

        void Add(string metricNamespace, string metric, IReadOnlyDictionary<string, string> dimensions, string stat, List<(DateTimeOffset, double)> points)
        {
            telemetry.CloudWatch.Add(metricNamespace, metric, dimensions, stat, points);
            _counts.CloudWatchMetrics++;
            _counts.CloudWatchPoints += points.Count;
        }
    }

    /// <summary>
    /// What CI published to the deploys exchange over a week: checkout's v2.14.0 three minutes before its step, search's
    /// last deploy well before its saturation rose, and the others' deploys.
    /// </summary>
    private async Task SeedDeployLog(MemoryDeployLog log)
    {
        DeployRecord Deploy(string service, string version, string previous, TimeSpan before) => new()
        {
            Service = service,
            Version = version,
            PreviousVersion = previous,
            DeployedAt = alert - before,
            Environment = "production",
            Author = "ci-pipeline",
        };

        await log.RecordAsync(Deploy(BenchCatalog.Checkout, "v2.14.0", "v2.13.0", TimeSpan.FromMinutes(23)), default);
        await log.RecordAsync(Deploy(BenchCatalog.Search, "5.2.2", "5.2.1", TimeSpan.FromMinutes(95)), default);
        await log.RecordAsync(Deploy("payments", "v3.8.0", "v3.7.4", TimeSpan.FromMinutes(50)), default);
        string[] services = [BenchCatalog.Checkout, BenchCatalog.Search, "payments", "inventory", .. BenchCatalog.OtherServices];
        for (var i = 0; i < 40; i++)
        {
            var service = services[i % services.Length];
            await log.RecordAsync(Deploy(service, $"v1.{40 - i}.0", $"v1.{39 - i}.0", TimeSpan.FromHours(3 + (4 * i))), default);
        }
    }
}

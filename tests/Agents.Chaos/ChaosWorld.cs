using System.Globalization;
using System.Text;
using Agents.Testing;

namespace Agents.Chaos;

/// <summary>
/// What the system acts on during a chaos run: a fake Kubernetes API server holding one Deployment per service (at
/// v1.1.0, with the ReplicaSets of v1.0.0 and v1.1.0), an exporter whose error ratio for a service falls once its
/// Deployment was rolled back (except every fourth service's, <see cref="IsStuck"/>: its rollback does not help, its
/// incident escalates and pages), a real Prometheus scraping it every second, a fake PagerDuty, and the service catalog
/// (every service in mode auto, no cooldown, verified on that error ratio).
/// </summary>
internal sealed class ChaosWorld : IAsyncDisposable
{
    public const string Namespace = "chaos";
    private const double Failing = 0.2;
    private const double Healthy = 0.001;

    private ChaosWorld(FakeKubernetesApi kubernetes, FakePagerDutyEvents pagerDuty, ScrapeTarget exporter, PrometheusServer prometheus, string catalogPath)
    {
        Kubernetes = kubernetes;
        PagerDuty = pagerDuty;
        Exporter = exporter;
        Prometheus = prometheus;
        CatalogPath = catalogPath;
    }

    public FakeKubernetesApi Kubernetes { get; }

    public FakePagerDutyEvents PagerDuty { get; }

    public ScrapeTarget Exporter { get; }

    public PrometheusServer Prometheus { get; }

    public string CatalogPath { get; }

    /// <summary>Every fourth service: rolling it back does not bring its error ratio down.</summary>
    public static bool IsStuck(string service) => int.Parse(service[(service.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture) % 4 == 3;

    public static async Task<ChaosWorld> Start(IReadOnlyList<string> services)
    {
        var kubernetes = await FakeKubernetesApi.Start();
        var created = DateTimeOffset.UtcNow.AddDays(-30);
        foreach (var service in services)
        {
            var labels = new Dictionary<string, string> { ["app"] = service };
            var uid = kubernetes.AddDeployment(Namespace, service, labels, Image(service, "v1.1.0"), revision: 2, currentReplicaSet: $"{service}-7c9d8e6f53");
            kubernetes.AddReplicaSet(Namespace, $"{service}-6a8b7c5d42", uid, service, labels, 1, Image(service, "v1.0.0"), created);
            kubernetes.AddReplicaSet(Namespace, $"{service}-7c9d8e6f53", uid, service, labels, 2, Image(service, "v1.1.0"), DateTimeOffset.UtcNow.AddMinutes(-9));
        }

        var exporter = ScrapeTarget.Reserve();
        exporter.Body = () =>
        {
            var rolledBack = kubernetes.Applied.Select(m => m.Name).ToHashSet();
            var text = new StringBuilder();
            foreach (var service in services)
            {
                text.Append(CultureInfo.InvariantCulture, $"app_error_ratio{{service=\"{service}\"}} {(rolledBack.Contains(service) && !IsStuck(service) ? Healthy : Failing)}\n");
            }

            return text.ToString();
        };
        await exporter.StartServing();
        var prometheus = await PrometheusServer.Start(new Uri("http://127.0.0.1:9/"), exporter.HostPort, job: "chaos", interval: TimeSpan.FromSeconds(1));
        var pagerDuty = await FakePagerDutyEvents.Start();
        return new ChaosWorld(kubernetes, pagerDuty, exporter, prometheus, WriteCatalog(services));
    }

    private static string Image(string service, string version) => $"registry.example/{service}:{version}";

    private static string WriteCatalog(IEnumerable<string> services)
    {
        var text = new StringBuilder("services:\n");
        foreach (var service in services)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                  - name: {service}
                    match:
                      - labels: {"{"} service: {service} {"}"}
                    team: chaos
                    kubernetes: {"{"} namespace: {Namespace}, workload: deployment/{service} {"}"}
                    remediation:
                      mode: auto
                      cooldown: 0s
                      verify:
                        query: 'max(app_error_ratio{"{"}service="{service}"{"}"})'
                        below: 0.05
                        for: 2s
                        within: 30s
                        every: 2s

                """);
        }

        var path = Path.Combine(Path.GetTempPath(), $"agents-chaos-catalog-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Prometheus.DisposeAsync();
        await Exporter.DisposeAsync();
        await PagerDuty.DisposeAsync();
        await Kubernetes.DisposeAsync();
        File.Delete(CatalogPath);
    }
}

using Agents.Testing;
using static Agents.Testing.FakeKubernetesApi;

namespace Agents.Context.Bench;

/// <summary>The incident history in PagerDuty and the workloads in Kubernetes.</summary>
internal sealed partial class TelemetrySeeds
{
    private static readonly string[] Responders = ["Earline Greenholt", "Miko Tanaka", "Ravi Patel", "Joanna Kowalska", "Sam Okafor"];

    private static readonly Dictionary<string, string[]> Titles = new(StringComparer.Ordinal)
    {
        ["P1CHK7Q"] =
        [
            "checkout 5xx error ratio above 5%", "checkout error rate high after deploy", "checkout p99 latency above 1s",
            "checkout pods OOMKilled", "checkout CrashLoopBackOff in shop", "checkout: payments timeouts", "checkout certificate expires in 7 days",
            "checkout disk usage above 90% on node pool", "checkout orders.created consumer lag", "checkout 5xx errors from ALB",
            "checkout readiness probe failing", "checkout Kafka publish failures",
        ],
        ["P3SRCH2"] =
        [
            "search p99 latency above 500ms", "search CPU saturation above 90%", "search pods throttled", "search 5xx error ratio above 2%",
            "search index refresh lagging", "search OOMKilled after index rebuild", "search readiness probe timeouts", "search HPA at max replicas",
            "search Elasticsearch cluster yellow", "search latency high during peak", "search query timeouts", "search node pool out of cpu",
        ],
        ["P2PAY9M"] = ["payments gateway 502s", "payments RDS CPU high", "payments p99 write latency", "payments webhook backlog"],
    };

    private static readonly string[] Notes =
    [
        "Error ratio jumped right after the deploy; rollback to the previous version fixed it.",
        "Rolled back with rollback, errors gone within 3 minutes.",
        "CPU pinned at the limit; scale-out to 12 replicas brought latency back.",
        "Pods were saturated, scale-out of the deployment fixed it.",
        "Memory leak in the new image; restart-pods bought time until the fix shipped.",
        "restart-pods cleared the stuck connections to the database.",
        "Upstream payments provider degraded, nothing to do on our side; waited it out.",
        "False alarm: a synthetic check hit a removed endpoint.",
        "Node pool ran out of capacity; cluster autoscaler added nodes.",
        "Certificate renewed by hand, cert-manager issuer fixed afterwards.",
    ];

    /// <summary>
    /// A month of incidents per PagerDuty service (160 checkout, 140 search, 60 payments), mostly resolved, each with 0-3
    /// notes and its trigger, notify, acknowledge and resolve log entries.
    /// </summary>
    private void SeedPagerDuty(BenchTelemetry telemetry)
    {
        var number = 4000;
        foreach (var (serviceId, count) in new[] { ("P1CHK7Q", 160), ("P3SRCH2", 140), ("P2PAY9M", 60) })
        {
            var titles = Titles[serviceId];
            for (var i = 0; i < count; i++)
            {
                number++;
                var id = $"Q{number:D4}{string.Concat(Enumerable.Range(0, 9).Select(_ => "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"[_random.Next(34)]))}";
                var created = alert - TimeSpan.FromMinutes(_random.Next(60, 29 * 24 * 60));
                var resolved = created.AddMinutes(_random.Next(8, 180));
                var open = i % 40 == 0;
                var who = Responders[_random.Next(Responders.Length)];
                var notes = Enumerable.Range(0, _random.Next(0, 4))
                    .Select(n => new FakePagerDutyRest.Note($"N{number}{n}", Notes[_random.Next(Notes.Length)], created.AddMinutes(5 + (10 * n)), who))
                    .ToList();
                var entries = new List<FakePagerDutyRest.LogEntry>
                {
                    new($"L{number}1", "trigger_log_entry", "Triggered through the API", created),
                    new($"L{number}2", "notify_log_entry", $"Notified {who} by SMS", created.AddMinutes(1)),
                    new($"L{number}3", "acknowledge_log_entry", $"Acknowledged by {who}", created.AddMinutes(4)),
                };
                if (!open)
                {
                    entries.Add(new($"L{number}4", "resolve_log_entry", i % 3 == 0 ? "Resolved through the API" : $"Resolved by {who}", resolved));
                }

                telemetry.PagerDuty.Add(
                    serviceId,
                    new FakePagerDutyRest.Incident(id, number, titles[_random.Next(titles.Length)], created, open ? null : resolved, open ? "acknowledged" : "resolved"),
                    notes,
                    entries);
                _counts.PagerDutyIncidents++;
                _counts.PagerDutyNotes += notes.Count;
            }
        }
    }

    /// <summary>
    /// Namespace <c>shop</c>: the checkout and search Deployments with their rollout history (10 and 8 ReplicaSets), their
    /// pods (restarts, OOMKilled, CrashLoopBackOff) and the Warning events about them, among other workloads' events.
    /// </summary>
    private void SeedKubernetes(BenchTelemetry telemetry)
    {
        var k8s = telemetry.Kubernetes;
        SeedWorkload(k8s, BenchCatalog.Checkout, "registry.example.com/shop/checkout", revisions: 10, version: r => $"v2.{4 + r}.0", pods: 6, deployedBefore: TimeSpan.FromMinutes(23));
        SeedWorkload(k8s, BenchCatalog.Search, "registry.example.com/shop/search", revisions: 8, version: r => $"5.{r / 3}.{r % 3}", pods: 8, deployedBefore: TimeSpan.FromMinutes(95));

        var checkout = Pods(BenchCatalog.Checkout, 6);
        AddEvents(k8s, checkout[0], "Warning", "BackOff", $"Back-off restarting failed container app in pod {checkout[0]}_shop(4f0a)", 14, 9, 1);
        AddEvents(k8s, checkout[1], "Warning", "BackOff", $"Back-off restarting failed container app in pod {checkout[1]}_shop(8c1d)", 6, 7, 2);
        foreach (var pod in checkout)
        {
            AddEvents(k8s, pod, "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", _random.Next(5, 40), 18, 0);
        }

        AddEvents(k8s, checkout[2], "Warning", "Unhealthy", "Liveness probe failed: Get \"http://10.244.1.23:8080/healthz\": context deadline exceeded", 4, 6, 4);
        AddEvents(k8s, checkout[3], "Warning", "FailedMount", "MountVolume.SetUp failed for volume \"config\" : configmap \"checkout-config\" not found", 3, 300, 290);

        var search = Pods(BenchCatalog.Search, 8);
        foreach (var pod in search)
        {
            AddEvents(k8s, pod, "Warning", "Unhealthy", "Readiness probe failed: Get \"http://10.244.2.31:9200/_health\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", _random.Next(3, 30), 20, 0);
        }

        AddEvents(k8s, $"search-{CurrentHash(BenchCatalog.Search)}-pnd4r", "Warning", "FailedScheduling", "0/12 nodes are available: 12 Insufficient cpu. preemption: 0/12 nodes are available: 12 No preemption victims found for incoming pod.", 9, 22, 1);

        // Other workloads of the namespace: listed with the same field selector, then left out by pod name.
        string[] others = ["cart-6c5d4b3a2-h8k2m", "frontend-7b6a5c4d3-q9w8e", "recommendations-59c7d8f6b-k2j4h", "shipping-8e7d6c5b4-z1x2c", "auth-5f4e3d2c1-m3n4b"];
        string[] troubles = ["Readiness probe failed: connection refused", "Back-off restarting failed container", "Liveness probe failed: HTTP probe failed with statuscode: 500", "Failed to pull image: rpc error: code = NotFound"];
        for (var i = 0; i < 120; i++)
        {
            var message = troubles[_random.Next(troubles.Length)];
            AddEvents(k8s, others[_random.Next(others.Length)], "Warning", message.StartsWith("Back-off", StringComparison.Ordinal) ? "BackOff" : "Unhealthy", message, _random.Next(1, 50), _random.Next(10, 180), _random.Next(0, 10));
        }

        for (var i = 0; i < 40; i++)
        {
            AddEvents(k8s, checkout[_random.Next(checkout.Count)], "Normal", "Pulled", "Container image \"registry.example.com/shop/checkout:v2.14.0\" already present on machine", 1, _random.Next(5, 25), 0);
        }
    }

    private void SeedWorkload(FakeKubernetesApi k8s, string name, string image, int revisions, Func<int, string> version, int pods, TimeSpan deployedBefore)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        var current = $"{name}-{CurrentHash(name)}";
        var uid = k8s.AddDeployment(Namespace, name, labels, $"{image}:{version(revisions)}", revisions, currentReplicaSet: current, progressedAt: alert - deployedBefore + TimeSpan.FromMinutes(2));
        for (var r = 1; r <= revisions; r++)
        {
            var created = r == revisions ? alert - deployedBefore : alert - TimeSpan.FromHours(26 + (60 * (revisions - 1 - r)));
            var replicaSet = r == revisions ? current : $"{name}-{r}a{_random.Next(1_000_000, 9_999_999)}";
            k8s.AddReplicaSet(Namespace, replicaSet, uid, name, labels, r, $"{image}:{version(r)}", created, $"deploy {version(r)} by ci-pipeline (#{1400 + r})");
            _counts.KubernetesReplicaSets++;
        }

        var running = $"{image}:{version(revisions)}";
        var names = Pods(name, pods);
        for (var i = 0; i < names.Count; i++)
        {
            var app = i switch
            {
                0 => new ContainerStatus("app", running, 7)
                {
                    Waiting = "CrashLoopBackOff",
                    WaitingMessage = $"back-off 5m0s restarting failed container=app pod={names[i]}_shop(4f0a)",
                    LastTerminated = "OOMKilled",
                    LastExitCode = 137,
                    LastStartedAt = alert.AddMinutes(-3),
                    LastFinishedAt = alert.AddMinutes(-2),
                },
                1 => new ContainerStatus("app", running, 3) { LastTerminated = "OOMKilled", LastExitCode = 137, LastFinishedAt = alert.AddMinutes(-6) },
                2 => new ContainerStatus("app", running, 1) { LastTerminated = "Error", LastExitCode = 1, LastFinishedAt = alert.AddMinutes(-11) },
                _ => new ContainerStatus("app", running),
            };
            k8s.AddPod(Namespace, names[i], labels, "ReplicaSet", current, alert - deployedBefore + TimeSpan.FromMinutes(1), app, new ContainerStatus("istio-proxy", "docker.io/istio/proxyv2:1.22.1"));
            _counts.KubernetesPods++;
        }
    }

    /// <summary>A Warning (or Normal) event seen <paramref name="count"/> times from <paramref name="firstMinutes"/> to <paramref name="lastMinutes"/> before the alert.</summary>
    private void AddEvents(FakeKubernetesApi k8s, string pod, string type, string reason, string message, int count, int firstMinutes, int lastMinutes)
    {
        k8s.AddEvent(Namespace, pod, type, reason, message, count, alert.AddMinutes(-firstMinutes), alert.AddMinutes(-Math.Min(lastMinutes, firstMinutes)));
        _counts.KubernetesEvents++;
    }
}

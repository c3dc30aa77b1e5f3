using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.Kubernetes;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Agents.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Agents.Testing.FakeKubernetesApi;

namespace Agents.Brains.Tests.Context;

public sealed class KubernetesSourceTests : IAsyncLifetime
{
    private const string Image = "registry.example.com:5000/shop/checkout";
    private const string CurrentReplicaSet = "checkout-7d9f8c6b5";
    private const string PodsQuery = "GET /api/v1/namespaces/shop/pods?labelSelector=app=checkout,tier in (web)";
    private const string EventsQuery = "GET /api/v1/namespaces/shop/events?fieldSelector=involvedObject.kind=Pod,type=Warning";

    private static readonly DateTimeOffset T = Samples.AlertTime;
    private static readonly ContextWindow Window = new(T.AddHours(-2), T.AddMinutes(15)) { IncidentStart = T.AddMinutes(-15) };
    private static readonly Dictionary<string, string> PodLabels = new() { ["app"] = "checkout", ["tier"] = "web" };

    private readonly List<KubernetesSource> _sources = [];
    private FakeKubernetesApi _k8s = null!;

    public async Task InitializeAsync()
    {
        _k8s = await FakeKubernetesApi.Start();
        AddCheckout(_k8s);
    }

    public async Task DisposeAsync()
    {
        _sources.ForEach(s => s.Dispose());
        await _k8s.DisposeAsync();
    }

    [Fact]
    public async Task Rollout_history_becomes_deploys_with_versions_times_and_previous_versions_newest_first()
    {
        var source = Source();

        var contribution = await source.CollectAsync(Request(Checkout()), default);

        Assert.Equal("kubernetes", source.Name);
        Assert.Empty(contribution.Problems);
        Assert.Equal(
            [("v7.4.2", "v7.4.1", T.AddMinutes(-10)), ("v7.4.1", "v7.4.0", T.AddMinutes(-90))],
            contribution.Deploys.Select(d => (d.Version, d.PreviousVersion, d.DeployedAt)));
        Assert.All(contribution.Deploys, d =>
        {
            Assert.Equal(("checkout", "production", "kubernetes"), (d.Service, d.Environment, d.Source));
        });
        Assert.Equal("deploy v7.4.2 by ci-pipeline (#1432)", contribution.Deploys[0].Author);

        var replicaSets = Assert.Single(_k8s.Requests, r => r.Resource == "replicasets");
        Assert.Equal("/apis/apps/v1/namespaces/shop/replicasets", replicaSets.Path);
        Assert.Equal("app=checkout,tier in (web)", replicaSets.Query["labelSelector"]);
        Assert.Contains(_k8s.Requests, r => r.Path == "/apis/apps/v1/namespaces/shop/deployments/checkout");
    }

    [Fact]
    public async Task Pod_states_and_warning_events_become_workload_events_most_frequent_first()
    {
        var contribution = await Source().CollectAsync(Request(Checkout()), default);

        Assert.Equal(
            [
                ("Unhealthy", "pod/checkout-7d9f8c6b5-q7w4n", 35),
                ("CrashLoopBackOff", "pod/checkout-7d9f8c6b5-x2k9p", 14),
                ("Unhealthy", "pod/checkout-7d9f8c6b5-m3v8z", 5),
                ("FailedScheduling", "pod/checkout-7d9f8c6b5-pnd4r", 3),
                ("Restarted", "pod/checkout-7d9f8c6b5-q7w4n", 2),
                ("BackOff", "pod/checkout-7d9f8c6b5-m3v8z", 2),
                ("OOMKilled", "pod/checkout-7d9f8c6b5-x2k9p", 1),
            ],
            contribution.WorkloadEvents.Select(e => (e.Reason, e.Object, e.Count)));
        Assert.All(contribution.WorkloadEvents, e =>
        {
            Assert.Equal(("kubernetes", Window.Start, Window.End), (e.Source, e.From, e.To));
            Assert.InRange(e.FirstSeen, Window.Start, e.LastSeen);
            Assert.InRange(e.LastSeen, e.FirstSeen, Window.End);
        });

        var byKey = contribution.WorkloadEvents.ToDictionary(e => (e.Reason, e.Object));
        var probes = byKey[("Unhealthy", "pod/checkout-7d9f8c6b5-q7w4n")];
        Assert.Equal((T.AddMinutes(-8), T.AddSeconds(-30)), (probes.FirstSeen, probes.LastSeen));
        Assert.Equal(EventsQuery, probes.Query);
        Assert.StartsWith("Readiness probe failed: HTTP probe failed with statuscode: 503", probes.Message, StringComparison.Ordinal);

        // The pod's CrashLoopBackOff and the kubelet's BackOff events about it are one item.
        var crashLoop = byKey[("CrashLoopBackOff", "pod/checkout-7d9f8c6b5-x2k9p")];
        Assert.Equal((T.AddMinutes(-9), T.AddMinutes(-1)), (crashLoop.FirstSeen, crashLoop.LastSeen));
        Assert.Equal("container app is in CrashLoopBackOff after 6 restarts; last exit: OOMKilled (exit code 137)", crashLoop.Message);
        Assert.Equal($"{EventsQuery}; {PodsQuery}", crashLoop.Query);

        var oom = byKey[("OOMKilled", "pod/checkout-7d9f8c6b5-x2k9p")];
        Assert.Equal((T.AddMinutes(-2), T.AddMinutes(-2), PodsQuery), (oom.FirstSeen, oom.LastSeen, oom.Query));
        Assert.Equal("container app was OOMKilled (exit code 137); 6 restarts", oom.Message);

        var seriesEvent = byKey[("Unhealthy", "pod/checkout-7d9f8c6b5-m3v8z")];
        Assert.Equal((T.AddMinutes(-7), T.AddMinutes(-3)), (seriesEvent.FirstSeen, seriesEvent.LastSeen));
        Assert.Equal("container app restarted 2 times; last exit: Error (exit code 1)", byKey[("Restarted", "pod/checkout-7d9f8c6b5-q7w4n")].Message);

        var pods = Assert.Single(_k8s.Requests, r => r.Resource == "pods");
        Assert.Equal("app=checkout,tier in (web)", pods.Query["labelSelector"]);
        var events = Assert.Single(_k8s.Requests, r => r.Resource == "events");
        Assert.Equal("involvedObject.kind=Pod,type=Warning", events.Query["fieldSelector"]);
    }

    [Fact]
    public async Task Workload_events_are_bounded_by_max_events_and_text_length()
    {
        var bounds = new ContextBounds { MaxEvents = 3, MaxTextLength = 40 };

        var contribution = await Source().CollectAsync(Request(Checkout()) with { Bounds = bounds }, default);

        Assert.Equal(["Unhealthy", "CrashLoopBackOff", "Unhealthy"], contribution.WorkloadEvents.Select(e => e.Reason));
        Assert.All(contribution.WorkloadEvents, e => Assert.InRange(e.Message!.Length, 1, 40));
        Assert.EndsWith("…", contribution.WorkloadEvents[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lists_are_read_page_by_page_when_the_server_answers_in_pages()
    {
        _k8s.MaxPageSize = 2;

        var contribution = await Source().CollectAsync(Request(Checkout()), default);

        Assert.Equal(["v7.4.2", "v7.4.1"], contribution.Deploys.Select(d => d.Version));
        Assert.Equal(7, contribution.WorkloadEvents.Count);
        var eventPages = _k8s.Requests.Where(r => r.Resource == "events").ToList();
        Assert.True(eventPages.Count > 2, $"{eventPages.Count} event pages");
        Assert.All(eventPages, r => Assert.Equal("500", r.Query["limit"]));
        Assert.All(eventPages.Skip(1), r => Assert.False(string.IsNullOrEmpty(r.Query.GetValueOrDefault("continue"))));
    }

    [Fact]
    public async Task A_rollback_is_dated_by_the_deployment_progress_and_a_statefulset_by_its_controller_revisions()
    {
        await using var k8s = await FakeKubernetesApi.Start();
        var labels = new Dictionary<string, string> { ["app"] = "search" };
        var search = k8s.AddDeployment("shop", "search", labels, "search:1.0", 3, currentReplicaSet: "search-5d4c3b2a1", progressedAt: T.AddMinutes(-20));
        k8s.AddReplicaSet("shop", "search-5d4c3b2a1", search, "search", labels, 3, "search:1.0", T.AddDays(-5));
        k8s.AddReplicaSet("shop", "search-6e5d4c3b2", search, "search", labels, 2, "search:1.1", T.AddMinutes(-60));
        var ledgerLabels = new Dictionary<string, string> { ["app"] = "ledger" };
        var ledger = k8s.AddStatefulSet("shop", "ledger", ledgerLabels, "ledger:3.2.0", "ledger-7c8e9d0a6");
        k8s.AddControllerRevision("shop", "ledger-6b7d9c8f5", ledger, "ledger", ledgerLabels, 1, "ledger:3.1.0", T.AddDays(-30));
        k8s.AddControllerRevision("shop", "ledger-7c8e9d0a6", ledger, "ledger", ledgerLabels, 2, "ledger:3.2.0", T.AddMinutes(-25));
        var oom = new ContainerStatus("app", "ledger:3.2.0", 1) { LastTerminated = "OOMKilled", LastExitCode = 137, LastFinishedAt = T.AddMinutes(-5) };
        k8s.AddPod("shop", "ledger-0", ledgerLabels, "StatefulSet", "ledger", T.AddMinutes(-24), oom);
        k8s.AddEvent("shop", "ledger-1", "Warning", "Unhealthy", "Liveness probe failed: connection refused", 3, T.AddMinutes(-6), T.AddMinutes(-4));
        k8s.AddEvent("shop", "ledger-backup-28911", "Warning", "BackOff", "Back-off restarting failed container", 9, T.AddMinutes(-6), T.AddMinutes(-4));
        var source = Source(o => o.Url = k8s.Url);

        var rolledBack = await source.CollectAsync(Request(Checkout() with { Kubernetes = new KubernetesTarget { Namespace = "shop", Workload = "deployment/search" } }), default);
        var stateful = await source.CollectAsync(Request(Checkout() with { Kubernetes = new KubernetesTarget { Namespace = "shop", Workload = "statefulset/ledger" } }), default);

        Assert.Equal(
            [("1.0", "1.1", T.AddMinutes(-20)), ("1.1", null, T.AddMinutes(-60))],
            rolledBack.Deploys.Select(d => (d.Version, d.PreviousVersion, d.DeployedAt)));
        Assert.Equal(("3.2.0", "3.1.0", T.AddMinutes(-25)), stateful.Deploys.Select(d => (d.Version, d.PreviousVersion, d.DeployedAt)).Single());
        Assert.Equal([("OOMKilled", "pod/ledger-0"), ("Unhealthy", "pod/ledger-1")], stateful.WorkloadEvents.Select(e => (e.Reason, e.Object)).Order());
        Assert.Contains(k8s.Requests, r => r.Path == "/apis/apps/v1/namespaces/shop/controllerrevisions" && r.Query["labelSelector"] == "app=ledger");
    }

    [Fact]
    public async Task The_bearer_token_is_sent_on_every_request_and_a_wrong_one_is_refused_without_being_shown()
    {
        await Source().CollectAsync(Request(Checkout()), default);

        Assert.Equal(4, _k8s.Requests.Count);
        Assert.All(_k8s.Requests, r => Assert.Equal($"Bearer {DefaultToken}", r.Authorization));

        const string wrong = "not-the-token-0123456789";
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source(o => o.Token = wrong).CollectAsync(Request(Checkout()), default));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("kubernetes: GET /apis/apps/v1/namespaces/shop/deployments/checkout answered 401 Unauthorized: Unauthorized", ex.Message);
        Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_file_is_read_again_when_it_changes()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("token", DefaultToken + "\n");
        var source = Source(o => (o.Token, o.TokenFile) = (null, file));
        await source.CollectAsync(Request(Checkout()), default);

        _k8s.Token = "rotated-service-account-token";
        File.WriteAllText(file, _k8s.Token);
        var contribution = await source.CollectAsync(Request(Checkout()), default);

        Assert.Equal(2, contribution.Deploys.Count);
        Assert.Equal("Bearer rotated-service-account-token", _k8s.Requests.Last().Authorization);
        Assert.Equal(4, _k8s.Requests.Count(r => r.Authorization == $"Bearer {DefaultToken}"));
    }

    [Fact]
    public async Task A_forbidden_workload_is_an_error_with_the_api_status_message_and_nothing_else_is_asked()
    {
        _k8s.Fail("deployments", Failure.Forbidden);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(Checkout()), default));

        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Equal(
            "kubernetes: GET /apis/apps/v1/namespaces/shop/deployments/checkout answered 403 Forbidden: deployments.apps \"checkout\" is forbidden: "
            + $"User \"{User}\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"shop\"",
            ex.Message);
        Assert.Null(ex.InnerException);
        Assert.DoesNotContain(DefaultToken, ex.ToString(), StringComparison.Ordinal);
        Assert.Single(_k8s.Requests);
    }

    [Fact]
    public async Task A_missing_workload_is_an_error_naming_it()
    {
        var entry = Checkout() with { Kubernetes = new KubernetesTarget { Namespace = "shop", Workload = "deployment/checkout-v2" } };

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(entry), default));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.EndsWith("answered 404 NotFound: deployments.apps \"checkout-v2\" not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_and_events_failing_while_the_rollout_answered_are_problems()
    {
        _k8s.Fail("pods", Failure.Forbidden);
        _k8s.Fail("events", Failure.InternalError);

        var contribution = await Source().CollectAsync(Request(Checkout()), default);

        Assert.Equal(["v7.4.2", "v7.4.1"], contribution.Deploys.Select(d => d.Version));
        Assert.Empty(contribution.WorkloadEvents);
        Assert.Equal(
            [
                $"pods: kubernetes: {PodsQuery} answered 403 Forbidden: pods is forbidden: User \"{User}\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"",
                $"events: kubernetes: {EventsQuery} answered 500 InternalError: Internal error occurred: etcdserver: request timed out",
            ],
            contribution.Problems);
    }

    [Fact]
    public async Task When_history_pods_and_events_all_fail_the_source_fails()
    {
        _k8s.Fail("replicasets", Failure.Forbidden);
        _k8s.Fail("pods", Failure.Forbidden);
        _k8s.Fail("events", Failure.Forbidden);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(Checkout()), default));

        Assert.StartsWith("kubernetes: deployment/checkout in shop answered, but none of its history, pods and events:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("replicasets.apps is forbidden", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_answer_is_an_error()
    {
        _k8s.Fail("deployments", Failure.MalformedJson);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Source().CollectAsync(Request(Checkout()), default));

        Assert.StartsWith("kubernetes: GET /apis/apps/v1/namespaces/shop/deployments/checkout answered something that is not a Kubernetes object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_answer_is_cancelled_by_the_token()
    {
        _k8s.Delay = TimeSpan.FromSeconds(30);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().CollectAsync(Request(Checkout()), cts.Token));

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_entry_without_kubernetes_asks_nothing()
    {
        var contribution = await Source().CollectAsync(Request(Checkout() with { Kubernetes = null }), default);

        Assert.Same(ContextContribution.Empty, contribution);
        Assert.Empty(_k8s.Requests);
    }

    [Fact]
    public async Task Over_https_the_server_certificate_is_checked_against_the_ca_file()
    {
        await using var k8s = await FakeKubernetesApi.StartTls();
        AddCheckout(k8s);
        using var folder = new TempDirectory();
        var caFile = folder.Write("ca.crt", k8s.CaPem!);
        Assert.Equal("https", k8s.Url.Scheme);

        var trusted = await Source(o => (o.Url, o.CaFile) = (k8s.Url, caFile)).CollectAsync(Request(Checkout()), default);
        var untrusted = await Assert.ThrowsAsync<HttpRequestException>(() => Source(o => o.Url = k8s.Url).CollectAsync(Request(Checkout()), default));
        var logger = new ListLogger();
        var unverified = Source(o => (o.Url, o.SkipTlsVerify) = (k8s.Url, true), logger);
        var skipped = await unverified.CollectAsync(Request(Checkout()), default);
        await unverified.CollectAsync(Request(Checkout()), default);

        Assert.Equal(2, trusted.Deploys.Count);
        Assert.Contains("SSL", untrusted.Message, StringComparison.Ordinal);
        Assert.Equal(2, skipped.Deploys.Count);
        var warning = Assert.Single(logger.Lines);
        Assert.Equal((LogLevel.Warning, $"Kubernetes source: the API server's certificate is not checked (SkipTlsVerify) for {k8s.Url.Authority}; use CaFile outside test clusters"), warning);
    }

    [Fact]
    public async Task A_client_that_cannot_be_set_up_fails_each_collection_with_the_reason()
    {
        using var folder = new TempDirectory();
        var missing = Path.Combine(folder.Path, "ca.crt");
        var source = Source(o => o.CaFile = missing);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => source.CollectAsync(Request(Checkout()), default));

        Assert.StartsWith($"kubernetes: the client could not be set up: kubernetes: cannot read the CA file '{missing}'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_k8s.Requests);
    }

    [Theory]
    [InlineData("registry.example.com:5000/shop/checkout:v7.4.2", "v7.4.2")]
    [InlineData("checkout:v7.4.2@sha256:0123abcd", "v7.4.2")]
    [InlineData("registry.example.com:5000/shop/checkout@sha256:0123abcd", "sha256:0123abcd")]
    [InlineData("registry.example.com:5000/shop/checkout", "registry.example.com:5000/shop/checkout")]
    [InlineData("nginx", "nginx")]
    public void The_version_is_the_image_tag_else_its_digest_else_the_image(string image, string version) =>
        Assert.Equal(version, RolloutHistory.ImageVersion(image));

    [Fact]
    public void The_source_is_on_with_a_url_or_in_cluster_and_contradicting_settings_are_refused()
    {
        Assert.False(new KubernetesSourceOptions().IsEnabled);
        Assert.True(new KubernetesSourceOptions { InCluster = true }.IsEnabled);
        Assert.True(new KubernetesSourceOptions { Url = new Uri("https://kubernetes.example:6443") }.IsEnabled);

        var options = new KubernetesSourceOptions { Url = new Uri("ftp://kubernetes.example"), Token = "t", TokenFile = "/f", CaFile = "/ca", SkipTlsVerify = true };
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Equal(
            ["Url must be an http or https address, not 'ftp:'", "set Token or TokenFile, not both", "set CaFile or SkipTlsVerify, not both"],
            results.Select(r => r.ErrorMessage));
    }

    private static void AddCheckout(FakeKubernetesApi k8s)
    {
        var tierWeb = new JsonArray(new JsonObject { ["key"] = "tier", ["operator"] = "In", ["values"] = new JsonArray("web") });
        var uid = k8s.AddDeployment("shop", "checkout", new Dictionary<string, string> { ["app"] = "checkout" }, $"{Image}:v7.4.2", 3, tierWeb, CurrentReplicaSet, T.AddMinutes(-7));
        k8s.AddReplicaSet("shop", "checkout-5c8d7f6b9", uid, "checkout", PodLabels, 1, $"{Image}:v7.4.0", T.AddDays(-3));
        k8s.AddReplicaSet("shop", "checkout-6f9c8d7b4", uid, "checkout", PodLabels, 2, $"{Image}:v7.4.1", T.AddMinutes(-90), "kubectl set image deployment/checkout app=checkout:v7.4.1");
        k8s.AddReplicaSet("shop", CurrentReplicaSet, uid, "checkout", PodLabels, 3, $"{Image}:v7.4.2@sha256:{new string('c', 64)}", T.AddMinutes(-10), "deploy v7.4.2 by ci-pipeline (#1432)");

        // Same labels, another Deployment's: not checkout's history. Another app's: not selected.
        k8s.AddReplicaSet("shop", "checkout-canary-8b7c6d5e4", Guid.NewGuid().ToString(), "checkout-canary", PodLabels, 1, $"{Image}:v8.0.0-rc1", T.AddMinutes(-5));
        k8s.AddReplicaSet("shop", "payments-59c7d8f6b", Guid.NewGuid().ToString(), "payments", new Dictionary<string, string> { ["app"] = "payments", ["tier"] = "web" }, 4, "payments:v2", T.AddMinutes(-20));

        var image = $"{Image}:v7.4.2";
        k8s.AddPod("shop", "checkout-7d9f8c6b5-x2k9p", PodLabels, "ReplicaSet", CurrentReplicaSet, T.AddMinutes(-10), new ContainerStatus("app", image, 6)
        {
            Waiting = "CrashLoopBackOff",
            WaitingMessage = "back-off 5m0s restarting failed container=app pod=checkout-7d9f8c6b5-x2k9p_shop(4f0a)",
            LastTerminated = "OOMKilled",
            LastExitCode = 137,
            LastStartedAt = T.AddMinutes(-3),
            LastFinishedAt = T.AddMinutes(-2),
        });
        k8s.AddPod("shop", "checkout-7d9f8c6b5-q7w4n", PodLabels, "ReplicaSet", CurrentReplicaSet, T.AddMinutes(-10), new ContainerStatus("app", image, 2)
        {
            LastTerminated = "Error",
            LastExitCode = 1,
            LastFinishedAt = T.AddMinutes(-4),
        });
        k8s.AddPod("shop", "checkout-7d9f8c6b5-m3v8z", PodLabels, "ReplicaSet", CurrentReplicaSet, T.AddMinutes(-9), new ContainerStatus("app", image));
        k8s.AddPod("shop", "checkout-6f9c8d7b4-abcde", PodLabels, "ReplicaSet", "checkout-6f9c8d7b4", T.AddHours(-1), new ContainerStatus("app", $"{Image}:v7.4.1", 1)
        {
            LastTerminated = "Error",
            LastExitCode = 2,
            LastFinishedAt = T.AddHours(-5),
        });
        k8s.AddPod("shop", "checkout-worker-6d5c4b3a2-zz9q1", new Dictionary<string, string> { ["app"] = "checkout", ["tier"] = "worker" }, "ReplicaSet", "checkout-worker-6d5c4b3a2", T.AddHours(-1), new ContainerStatus("worker", "worker:1", 9)
        {
            LastTerminated = "OOMKilled",
            LastExitCode = 137,
            LastFinishedAt = T.AddMinutes(-3),
        });

        k8s.AddEvent("shop", "checkout-7d9f8c6b5-x2k9p", "Warning", "BackOff", "Back-off restarting failed container app in pod checkout-7d9f8c6b5-x2k9p_shop(4f0a)", 14, T.AddMinutes(-9), T.AddMinutes(-1));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-q7w4n", "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", 31, T.AddMinutes(-8), T.AddSeconds(-30));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-q7w4n", "Warning", "Unhealthy", "Liveness probe failed: Get \"http://10.244.1.23:8080/healthz\": context deadline exceeded", 4, T.AddMinutes(-6), T.AddMinutes(-4));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-pnd4r", "Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", 3, T.AddMinutes(-6), T.AddMinutes(-2));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-m3v8z", "Warning", "Unhealthy", "Readiness probe failed: connection refused", null, null, null, eventTime: T.AddMinutes(-7), series: (5, T.AddMinutes(-3)));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-m3v8z", "Warning", "BackOff", $"Back-off pulling image \"{image}\"", 2, T.AddMinutes(-9), T.AddMinutes(-6));

        // Not about checkout's pods in the window: another workload's pods, an old event, a Normal one.
        k8s.AddEvent("shop", "checkout-worker-6d5c4b3a2-zz9q1", "Warning", "BackOff", "Back-off restarting failed container worker", 50, T.AddMinutes(-30), T.AddMinutes(-1));
        k8s.AddEvent("shop", "payments-59c7d8f6b-k2j4h", "Warning", "Unhealthy", "Readiness probe failed", 99, T.AddMinutes(-30), T.AddMinutes(-1));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-x2k9p", "Warning", "FailedMount", "MountVolume.SetUp failed for volume \"config\"", 8, T.AddHours(-6), T.AddHours(-5));
        k8s.AddEvent("shop", "checkout-7d9f8c6b5-x2k9p", "Normal", "Pulled", $"Container image \"{image}\" already present on machine", 7, T.AddMinutes(-9), T.AddMinutes(-2));
    }

    private static CatalogEntry Checkout() => new()
    {
        Name = "checkout",
        Environment = "production",
        Kubernetes = new KubernetesTarget { Cluster = "prod-eu", Namespace = "shop", Workload = "deployment/checkout" },
    };

    private static ContextRequest Request(CatalogEntry entry) => new()
    {
        Command = Samples.Collect(),
        Service = entry,
        Window = Window,
        Bounds = new ContextBounds(),
    };

    private KubernetesSource Source(Action<KubernetesSourceOptions>? configure = null, ILogger<KubernetesSource>? logger = null)
    {
        var options = new KubernetesSourceOptions { Url = _k8s.Url, Token = DefaultToken, Timeout = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        var source = new KubernetesSource(Options.Create(options), TimeProvider.System, logger ?? NullLogger<KubernetesSource>.Instance);
        _sources.Add(source);
        return source;
    }

    private sealed class ListLogger : ILogger<KubernetesSource>
    {
        private readonly ConcurrentQueue<(LogLevel, string)> _lines = new();

        public IReadOnlyList<(LogLevel Level, string Text)> Lines => _lines.ToList();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue((logLevel, formatter(state, exception)));
    }
}

using Agents.Brains.Tests.Support;
using Agents.Hosting.Catalog;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Agents.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>The Kubernetes executor through the real KubernetesClient against the fake API server.</summary>
public sealed class KubernetesExecutorTests : IAsyncLifetime
{
    private const string Image = "registry.example.com/shop/orders";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 30, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "orders" };
    private static readonly ActionTarget Orders = new("orders", new KubernetesTarget { Namespace = "prod", Workload = "deployment/orders", Cluster = "eu-1" });

    private readonly List<KubernetesActionExecutor> _executors = [];
    private FakeKubernetesApi _k8s = null!;

    public async Task InitializeAsync()
    {
        _k8s = await FakeKubernetesApi.Start();
        var uid = _k8s.AddDeployment("prod", "orders", Labels, $"{Image}:v5.2.0", revision: 4);
        _k8s.AddReplicaSet("prod", "orders-5d8f7c9b4", uid, "orders", Labels, 3, $"{Image}:v5.1.9", Now.AddDays(-3));
        _k8s.AddReplicaSet("prod", "orders-4c7e6b8a3", uid, "orders", Labels, 1, $"{Image}:v5.1.9", Now.AddDays(-9));
        _k8s.AddReplicaSet("prod", "orders-7f6b5c4d2", uid, "orders", Labels, 4, $"{Image}:v5.2.0", Now.AddHours(-1));
        // Same labels, not owned by the Deployment (an orphan): never a rollback target.
        _k8s.AddReplicaSet("prod", "orders-old-9a8b7c6d5", Guid.NewGuid().ToString(), "orders-old", Labels, 2, $"{Image}:v5.0.0", Now.AddDays(-30));
    }

    public async Task DisposeAsync()
    {
        _executors.ForEach(e => e.Dispose());
        await _k8s.DisposeAsync();
    }

    [Fact]
    public async Task Rollback_puts_the_template_of_the_replica_set_that_ran_the_version_after_a_server_side_dry_run()
    {
        var result = await Executor().RunAsync(Rollback, Version("v5.1.9"), Orders, default);

        Assert.Equal(StepResult.Success($"rolled back deployment/orders in prod to revision 3 (image {Image}:v5.1.9)"), result);
        Assert.Equal([(true, 200), (false, 200)], _k8s.Mutations.Select(m => (m.DryRun, m.Status)));
        Assert.All(_k8s.Mutations, m => Assert.Equal(("deployments", "prod", "orders", "application/json-patch+json"), (m.Resource, m.Namespace, m.Name, m.ContentType)));
        var patches = _k8s.Requests.Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(["All", null], patches.Select(r => r.Query.GetValueOrDefault("dryRun")));
        var template = _k8s.Get("deployments", "prod", "orders")!["spec"]!["template"]!;
        Assert.Equal($"{Image}:v5.1.9", (string?)template["spec"]!["containers"]![0]!["image"]);
        Assert.Null(template["metadata"]!["labels"]!["pod-template-hash"]);
        Assert.Equal("orders", (string?)template["metadata"]!["labels"]!["app"]);
    }

    [Fact]
    public async Task Rollback_by_the_version_label_when_images_are_not_tagged_with_it()
    {
        _k8s.Change("replicasets", "prod", "orders-5d8f7c9b4", rs =>
        {
            rs["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = $"{Image}@sha256:{new string('b', 64)}";
            rs["spec"]!["template"]!["metadata"]!["labels"]!["app.kubernetes.io/version"] = "2026.11.3";
        });

        var result = await Executor().RunAsync(Rollback, Version("2026.11.3"), Orders, default);

        Assert.True(result.Succeeded, result.Summary);
        Assert.StartsWith("rolled back deployment/orders in prod to revision 3", result.Summary, StringComparison.Ordinal);
        Assert.Single(_k8s.Applied);
    }

    [Fact]
    public async Task Rollback_to_the_running_version_patches_nothing()
    {
        var result = await Executor().RunAsync(Rollback, Version("v5.2.0"), Orders, default);

        Assert.Equal(StepResult.Success("deployment/orders in prod is already at v5.2.0: nothing to roll back"), result);
        Assert.Empty(_k8s.Mutations);
    }

    [Fact]
    public async Task Rollback_to_a_version_no_owned_replica_set_ran_fails_naming_the_versions_found()
    {
        var result = await Executor().RunAsync(Rollback, Version("v5.0.0"), Orders, default);

        Assert.False(result.Succeeded);
        Assert.Equal("no ReplicaSet of deployment/orders in prod runs version v5.0.0, so there is no revision to roll back to (versions found: v5.1.9, v5.2.0)", result.Summary);
        Assert.Empty(_k8s.Mutations);
    }

    [Fact]
    public async Task Restart_sets_the_restarted_at_annotation_after_a_dry_run()
    {
        var result = await Executor().RunAsync(new KubernetesStep { Operation = KubernetesOperation.Restart }, new Dictionary<string, string>(), Orders, default);

        Assert.Equal(StepResult.Success("restarted deployment/orders in prod (rollout restart at 2026-12-07T06:30:00Z)"), result);
        Assert.Equal([true, false], _k8s.Mutations.Select(m => m.DryRun));
        var annotations = _k8s.Get("deployments", "prod", "orders")!["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.Equal("2026-12-07T06:30:00Z", (string?)annotations["kubectl.kubernetes.io/restartedAt"]);
    }

    [Fact]
    public async Task Scale_adds_replicas()
    {
        var result = await Executor().RunAsync(Scale(20), Added(4), Orders, default);

        Assert.Equal(StepResult.Success("scaled deployment/orders in prod from 3 to 7 replicas"), result);
        Assert.Equal(7, (int?)_k8s.Get("deployments", "prod", "orders")!["spec"]!["replicas"]);
        Assert.Equal([true, false], _k8s.Mutations.Select(m => m.DryRun));
    }

    [Fact]
    public async Task Scale_stops_at_max_replicas_and_refuses_when_already_there()
    {
        var executor = Executor();

        var capped = await executor.RunAsync(Scale(5), Added(4), Orders, default);
        var again = await executor.RunAsync(Scale(5), Added(1), Orders, default);

        Assert.Equal(StepResult.Success("scaled deployment/orders in prod from 3 to 5 replicas (capped at maxReplicas 5; 4 asked)"), capped);
        Assert.Equal(StepResult.Failure("deployment/orders in prod already has 5 replicas, at or above the runbook's maxReplicas 5: not scaled"), again);
        Assert.Equal(5, (int?)_k8s.Get("deployments", "prod", "orders")!["spec"]!["replicas"]);
        Assert.Single(_k8s.Applied);
    }

    [Fact]
    public async Task Conflict_is_re_read_and_retried_once()
    {
        _k8s.ConflictPatches(1);

        var result = await Executor().RunAsync(Scale(20), Added(2), Orders, default);

        Assert.Equal(StepResult.Success("scaled deployment/orders in prod from 3 to 5 replicas"), result);
        Assert.Equal([(true, 409), (true, 200), (false, 200)], _k8s.Mutations.Select(m => (m.DryRun, m.Status)));
        Assert.Equal(2, _k8s.Requests.Count(r => r.Method == "GET" && r.Resource == "deployments"));
    }

    [Fact]
    public async Task Stale_resource_version_conflicts_and_the_retry_reads_the_new_count()
    {
        // Another client scales the Deployment between our read and our patch: the API server answers 409 (the
        // patch carries the resourceVersion it was computed from); the retry starts from the new count.
        _k8s.BeforeNextPatch = () => _k8s.Change("deployments", "prod", "orders", d => d["spec"]!["replicas"] = 6);

        var result = await Executor().RunAsync(Scale(20), Added(1), Orders, default);

        Assert.Equal(StepResult.Success("scaled deployment/orders in prod from 6 to 7 replicas"), result);
        Assert.Equal([(true, 409), (true, 200), (false, 200)], _k8s.Mutations.Select(m => (m.DryRun, m.Status)));
        Assert.Equal(7, (int?)_k8s.Get("deployments", "prod", "orders")!["spec"]!["replicas"]);
    }

    [Fact]
    public async Task Second_conflict_fails_without_a_third_try()
    {
        _k8s.ConflictPatches(2);

        var result = await Executor().RunAsync(Rollback, Version("v5.1.9"), Orders, default);

        Assert.False(result.Succeeded);
        Assert.StartsWith("conflict: deployment/orders in prod changed again while it was being patched (409 twice); not retried further", result.Summary, StringComparison.Ordinal);
        Assert.Equal(2, _k8s.Mutations.Count);
        Assert.Empty(_k8s.Applied);
    }

    [Fact]
    public async Task Forbidden_fails_clearly_and_the_real_patch_is_never_sent()
    {
        _k8s.FailPatches("deployments", FakeKubernetesApi.Failure.Forbidden);

        var result = await Executor().RunAsync(new KubernetesStep { Operation = KubernetesOperation.Restart }, new Dictionary<string, string>(), Orders, default);

        Assert.False(result.Succeeded);
        Assert.StartsWith("forbidden: the remediation service account may not patch deployment/orders in prod (403 Forbidden: ", result.Summary, StringComparison.Ordinal);
        Assert.Contains("cannot patch resource \"deployments\"", result.Summary, StringComparison.Ordinal);
        var only = Assert.Single(_k8s.Mutations);
        Assert.True(only.DryRun);
        Assert.DoesNotContain(FakeKubernetesApi.DefaultToken, result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_read_names_the_verb()
    {
        _k8s.Fail("deployments", FakeKubernetesApi.Failure.Forbidden);

        var result = await Executor().RunAsync(Scale(20), Added(1), Orders, default);

        Assert.StartsWith("forbidden: the remediation service account may not get deployment/orders in prod", result.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("statefulset/orders", "prod", null, "only Deployments can be acted on, and orders is statefulset/orders")]
    [InlineData("deployment/orders", "prod", "us-2", "orders runs in cluster us-2, and this service acts on cluster eu-1 only (Remediation__Kubernetes__Cluster)")]
    [InlineData("deployment/Orders_v2", "prod", null, "is not a valid Kubernetes name")]
    [InlineData("deployment/orders", "prod;x", null, "is not a valid Kubernetes name")]
    public async Task Target_outside_what_the_executor_may_touch_is_refused_without_a_request(string workload, string ns, string? cluster, string reason)
    {
        var target = new ActionTarget("orders", new KubernetesTarget { Namespace = ns, Workload = workload, Cluster = cluster });
        var executor = Executor();

        var result = await executor.RunAsync(new KubernetesStep { Operation = KubernetesOperation.Restart }, new Dictionary<string, string>(), target, default);

        Assert.False(result.Succeeded);
        Assert.StartsWith("refused: ", result.Summary, StringComparison.Ordinal);
        Assert.Contains(reason, result.Summary, StringComparison.Ordinal);
        Assert.Contains(reason, executor.ValidateTarget(new KubernetesStep { Operation = KubernetesOperation.Restart }, target), StringComparison.Ordinal);
        Assert.Empty(_k8s.Requests);
    }

    [Fact]
    public async Task Service_without_a_kubernetes_entry_is_refused()
    {
        var result = await Executor().RunAsync(Rollback, Version("v5.1.9"), new ActionTarget("orders", null), default);

        Assert.Equal(StepResult.Failure("refused: the service catalog has no kubernetes entry (namespace, workload) for orders, so there is nothing to act on"), result);
        Assert.Empty(_k8s.Requests);
    }

    [Theory]
    [InlineData("v5.1.9;rm -rf /")]
    [InlineData("v5.1.9 --force")]
    [InlineData("$(id)")]
    public async Task Version_with_shell_characters_never_reaches_the_api(string version)
    {
        var result = await Executor().RunAsync(Rollback, Version(version), Orders, default);

        Assert.False(result.Succeeded);
        Assert.Contains("is not a valid version", result.Summary, StringComparison.Ordinal);
        Assert.Empty(_k8s.Requests);
    }

    [Fact]
    public async Task Unconfigured_client_fails_every_step_with_the_setting_to_set()
    {
        using var executor = new KubernetesActionExecutor(
            Options.Create(new RemediationKubernetesOptions()), new FixedTimeProvider(Now), NullLogger<KubernetesActionExecutor>.Instance);

        var result = await executor.RunAsync(Rollback, Version("v5.1.9"), Orders, default);

        Assert.Equal(StepResult.Failure("kubernetes: the client could not be set up: Remediation:Kubernetes:Url is not set (nor InCluster=true)"), result);
    }

    [Fact]
    public void Describes_the_target_as_the_catalog_workload()
    {
        Assert.Equal("deployment/orders in prod (cluster eu-1)", Executor().DescribeTarget(Rollback, Version("v5.1.9"), Orders));
    }

    private static KubernetesStep Rollback => new() { Operation = KubernetesOperation.Rollback, ToVersion = "{to_version}" };

    private static KubernetesStep Scale(int max) => new() { Operation = KubernetesOperation.Scale, Add = "{replicas_added}", MaxReplicas = max };

    private static Dictionary<string, string> Version(string version) => new() { ["service"] = "orders", ["to_version"] = version };

    private static Dictionary<string, string> Added(int replicas) => new() { ["service"] = "orders", ["replicas_added"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private KubernetesActionExecutor Executor()
    {
        var executor = new KubernetesActionExecutor(
            Options.Create(new RemediationKubernetesOptions { Url = _k8s.Url, Token = FakeKubernetesApi.DefaultToken, Cluster = "eu-1" }),
            new FixedTimeProvider(Now),
            NullLogger<KubernetesActionExecutor>.Instance);
        _executors.Add(executor);
        return executor;
    }
}

using System.Text.Json;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Agents.Hosting.Kubernetes;
using k8s;
using k8s.Exceptions;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// Context from the Kubernetes API server (through <c>KubernetesClient</c>) about the workload the catalog names for the
/// service (<c>kubernetes: {namespace, workload: deployment/NAME | statefulset/NAME}</c>):
/// <list type="bullet">
/// <item>its rollout history as deploys (<see cref="RolloutHistory"/>): a Deployment's ReplicaSets that it owns, by
/// <c>deployment.kubernetes.io/revision</c>; a StatefulSet's ControllerRevisions that it owns, by <c>revision</c>; both
/// listed with the workload's own selector;</item>
/// <item>its pods' restarts, OOMKilled and CrashLoopBackOff and the <c>Warning</c> events about its pods
/// (<see cref="WorkloadTroubles"/>). Events are listed with <c>involvedObject.kind=Pod,type=Warning</c> and kept when
/// they name a pod listed, or a pod name the workload makes (<c>&lt;replicaset&gt;-…</c> of its ReplicaSets,
/// <c>&lt;statefulset&gt;-&lt;ordinal&gt;</c>), since a pod may be gone while its events remain.</item>
/// </list>
/// The workload itself must answer: a refusal (403), a missing workload (404) or an unreachable server throws with the
/// API's own <c>Status</c> message. The history, pods and events are then asked at once; one that fails is reported in
/// <see cref="ContextContribution.Problems"/>, and the source throws only when all three failed. Lists are read in
/// pages of <see cref="PageSize"/>, at most <see cref="MaxPages"/> pages each (more is reported as a problem). Items
/// name the request made (path and selectors, without paging parameters) as their query.
/// </summary>
public sealed class KubernetesSource : IContextSource, IDisposable
{
    public const string SourceName = "kubernetes";

    /// <summary>The configuration section's name (<c>Context:Sources:Kubernetes</c>).</summary>
    public const string SectionName = "Kubernetes";

    public const int PageSize = 500;

    public const int MaxPages = 10;

    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private const string ChangeCauseAnnotation = "kubernetes.io/change-cause";
    private const string PodWarnings = "involvedObject.kind=Pod,type=Warning";

    private readonly KubernetesSourceOptions _options;
    private readonly k8s.Kubernetes? _client;
    private readonly string? _setupError;

    /// <summary>
    /// Builds the client once. A setting that cannot be used (not in a cluster although <c>InCluster</c>, an unreadable
    /// CA file) does not stop the service: every collection then fails with the reason, named in the context.
    /// </summary>
    public KubernetesSource(IOptions<KubernetesSourceOptions> options, TimeProvider time, ILogger<KubernetesSource> logger)
    {
        _options = options.Value;
        try
        {
            // The client's own request timeout is only a backstop (the source's timeout plus 30 s): the collector cancels
            // the source at its timeout.
            _client = new k8s.Kubernetes(KubernetesClientSetup.Configure(
                _options, _options.Timeout + TimeSpan.FromSeconds(30), time, logger, "Kubernetes source", "Context:Sources:Kubernetes"));
        }
        catch (Exception e) when (e is KubeConfigException or InvalidOperationException or IOException or UriFormatException)
        {
            _setupError = e.Message;
        }
    }

    public string Name => SourceName;

    public TimeSpan? Timeout => _options.Timeout;

    private k8s.Kubernetes Client => _client ?? throw new InvalidOperationException($"kubernetes: the client could not be set up: {_setupError}");

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Service.Kubernetes is not { } target)
        {
            return ContextContribution.Empty;
        }

        var workload = await ReadWorkloadAsync(target, request.Bounds, ct);
        var history = Attempt(() => ReadHistoryAsync(workload, request.Bounds, ct), ct);
        var pods = Attempt(() => ListAsync<V1PodList, V1Pod>(
            PodsQuery(workload), (next, c) => Client.CoreV1.ListNamespacedPodAsync(
                workload.Namespace, continueParameter: next, labelSelector: workload.Selector, limit: PageSize, cancellationToken: c), request.Bounds, ct), ct);
        var events = Attempt(() => ListAsync<Corev1EventList, Corev1Event>(
            EventsQuery(workload), (next, c) => Client.CoreV1.ListNamespacedEventAsync(
                workload.Namespace, continueParameter: next, fieldSelector: PodWarnings, limit: PageSize, cancellationToken: c), request.Bounds, ct), ct);
        await Task.WhenAll(history, pods, events);

        var (historyPart, podsPart, eventsPart) = (history.Result, pods.Result, events.Result);
        var failures = new (string Part, Exception? Failure)[] { ("rollout history", historyPart.Failure), ("pods", podsPart.Failure), ("events", eventsPart.Failure) }
            .Where(f => f.Failure is not null)
            .ToList();
        if (failures.Count == 3)
        {
            throw new HttpRequestException(
                $"kubernetes: {workload.Describe()} answered, but none of its history, pods and events: {string.Join("; ", failures.Select(f => f.Failure!.Message))}");
        }

        var revisions = historyPart.Value?.Items ?? [];
        var podList = podsPart.Value?.Items ?? [];
        var ownPods = podList.Select(p => p.Metadata?.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var eventList = (eventsPart.Value?.Items ?? [])
            .Where(e => e.InvolvedObject?.Name is { } pod && (ownPods.Contains(pod) || workload.MakesPod(pod, revisions)))
            .ToList();

        var problems = failures.Select(f => request.Bounds.Shorten($"{f.Part}: {f.Failure!.Message}"))
            .Concat(new[] { historyPart.Value?.Truncated, podsPart.Value?.Truncated, eventsPart.Value?.Truncated }.OfType<string>())
            .ToList();
        return new ContextContribution
        {
            Deploys = RolloutHistory.ToDeploys(revisions, request.Service.Name, request.Service.Environment, request.Window, request.Bounds),
            WorkloadEvents = WorkloadTroubles.Collect(
                podList,
                podsPart.Failure is null ? PodsQuery(workload) : null,
                eventList,
                eventsPart.Failure is null ? EventsQuery(workload) : null,
                request.Window,
                request.Bounds),
            Problems = problems,
        };
    }

    public void Dispose() => _client?.Dispose();

    private static string PodsQuery(Workload workload) => $"GET /api/v1/namespaces/{workload.Namespace}/pods?labelSelector={workload.Selector}";

    private static string EventsQuery(Workload workload) => $"GET /api/v1/namespaces/{workload.Namespace}/events?fieldSelector={PodWarnings}";

    private async Task<Workload> ReadWorkloadAsync(KubernetesTarget target, ContextBounds bounds, CancellationToken ct)
    {
        var (ns, name) = (target.Namespace, target.WorkloadName);
        switch (target.WorkloadKind.ToLowerInvariant())
        {
            case "deployment":
            {
                var query = $"GET /apis/apps/v1/namespaces/{ns}/deployments/{name}";
                var deployment = await CallAsync(query, c => Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: c), bounds, ct);
                return new Workload("deployment", ns, name, deployment.Metadata?.Uid ?? "", LabelSelectorText.Format(deployment.Spec?.Selector))
                {
                    Progressing = deployment.Status?.Conditions?.FirstOrDefault(c => c.Type == "Progressing"),
                };
            }

            case "statefulset":
            {
                var query = $"GET /apis/apps/v1/namespaces/{ns}/statefulsets/{name}";
                var statefulSet = await CallAsync(query, c => Client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: c), bounds, ct);
                return new Workload("statefulset", ns, name, statefulSet.Metadata?.Uid ?? "", LabelSelectorText.Format(statefulSet.Spec?.Selector));
            }

            default:
                throw new InvalidOperationException(
                    $"kubernetes: the catalog's workload '{target.Workload}' is neither deployment/NAME nor statefulset/NAME");
        }
    }

    private async Task<Listed<WorkloadRevision>> ReadHistoryAsync(Workload workload, ContextBounds bounds, CancellationToken ct)
    {
        if (workload.Kind == "deployment")
        {
            var replicaSets = await ListAsync<V1ReplicaSetList, V1ReplicaSet>(
                $"GET /apis/apps/v1/namespaces/{workload.Namespace}/replicasets?labelSelector={workload.Selector}",
                (next, c) => Client.AppsV1.ListNamespacedReplicaSetAsync(
                    workload.Namespace, continueParameter: next, labelSelector: workload.Selector, limit: PageSize, cancellationToken: c),
                bounds,
                ct);
            return new Listed<WorkloadRevision>(replicaSets.Items.Where(workload.Owns).Select(workload.ReplicaSetRevision).OfType<WorkloadRevision>().ToList(), replicaSets.Truncated);
        }

        var revisions = await ListAsync<V1ControllerRevisionList, V1ControllerRevision>(
            $"GET /apis/apps/v1/namespaces/{workload.Namespace}/controllerrevisions?labelSelector={workload.Selector}",
            (next, c) => Client.AppsV1.ListNamespacedControllerRevisionAsync(
                workload.Namespace, continueParameter: next, labelSelector: workload.Selector, limit: PageSize, cancellationToken: c),
            bounds,
            ct);
        return new Listed<WorkloadRevision>(revisions.Items.Where(workload.Owns).Select(Workload.ControllerRevision).OfType<WorkloadRevision>().ToList(), revisions.Truncated);
    }

    /// <summary>Every page of a list (at most <see cref="MaxPages"/>), following <c>metadata.continue</c>.</summary>
    private async Task<Listed<TItem>> ListAsync<TList, TItem>(
        string query, Func<string?, CancellationToken, Task<TList>> page, ContextBounds bounds, CancellationToken ct)
        where TList : IItems<TItem>, IMetadata<V1ListMeta>
    {
        var items = new List<TItem>();
        string? next = null;
        for (var pages = 0; pages < MaxPages; pages++)
        {
            var answer = await CallAsync(query, c => page(next, c), bounds, ct);
            items.AddRange(answer.Items ?? []);
            next = answer.Metadata?.ContinueProperty;
            if (string.IsNullOrEmpty(next))
            {
                return new Listed<TItem>(items, null);
            }
        }

        return new Listed<TItem>(items, $"{query}: more than {MaxPages * PageSize} items, read the first {items.Count}");
    }

    private async Task<T> CallAsync<T>(string query, Func<CancellationToken, Task<T>> call, ContextBounds bounds, CancellationToken ct)
    {
        try
        {
            return await call(ct);
        }
        catch (Exception e) when (KubernetesApiFailure.IsRequestFailure(e, ct))
        {
            throw KubernetesApiFailure.From(e, query, Client.HttpClientTimeout, bounds);
        }
    }

    /// <summary>Runs one part; a request failure becomes the part's failure, a cancellation or a bug is thrown.</summary>
    private static async Task<Part<T>> Attempt<T>(Func<Task<T>> part, CancellationToken ct)
    {
        try
        {
            return new Part<T>(await part(), null);
        }
        catch (Exception e) when (KubernetesApiFailure.IsRequestFailure(e, ct))
        {
            return new Part<T>(default, e);
        }
    }

    private sealed record Part<T>(T? Value, Exception? Failure);

    private sealed record Listed<T>(IReadOnlyList<T> Items, string? Truncated);

    /// <summary>The workload as read: what lists its objects and which of them are its own.</summary>
    private sealed record Workload(string Kind, string Namespace, string Name, string Uid, string Selector)
    {
        public V1DeploymentCondition? Progressing { get; init; }

        public string Describe() => $"{Kind}/{Name} in {Namespace}";

        public bool Owns(IMetadata<V1ObjectMeta> item) =>
            item.Metadata?.OwnerReferences?.Any(o => o.Uid == Uid && o.Controller != false) == true;

        /// <summary>Whether <paramref name="pod"/> is a name this workload gives its pods.</summary>
        public bool MakesPod(string pod, IReadOnlyList<WorkloadRevision> revisions)
        {
            if (Kind == "statefulset")
            {
                return pod.StartsWith(Name + "-", StringComparison.Ordinal) && pod[(Name.Length + 1)..] is { Length: > 0 } ordinal && ordinal.All(char.IsAsciiDigit);
            }

            return revisions.Any(r => pod.StartsWith(r.Name + "-", StringComparison.Ordinal));
        }

        public WorkloadRevision? ReplicaSetRevision(V1ReplicaSet replicaSet)
        {
            var metadata = replicaSet.Metadata;
            if (metadata?.Annotations is not { } annotations
                || !annotations.TryGetValue(RevisionAnnotation, out var text)
                || !long.TryParse(text, out var revision)
                || metadata.CreationTimestamp is not { } created
                || replicaSet.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Image is not { } image)
            {
                return null;
            }

            // The Deployment's Progressing condition names its current ReplicaSet and when it last moved: the only
            // time the API keeps for a rollback to an older ReplicaSet.
            var current = Progressing is { Message: { } message, LastUpdateTime: { } updated }
                && message.Contains($"\"{metadata.Name}\"", StringComparison.Ordinal)
                ? WorkloadTroubles.Utc(updated)
                : (DateTimeOffset?)null;
            return new WorkloadRevision
            {
                Revision = revision,
                Name = metadata.Name ?? "",
                Image = image,
                CreatedAt = WorkloadTroubles.Utc(created),
                RolledOutAt = current,
                ChangeCause = annotations.TryGetValue(ChangeCauseAnnotation, out var cause) ? cause : null,
            };
        }

        /// <summary>A StatefulSet revision: its <c>data</c> is the pod template as a patch (<c>spec.template.spec.containers</c>).</summary>
        public static WorkloadRevision? ControllerRevision(V1ControllerRevision revision)
        {
            if (revision.Revision is not { } number
                || revision.Metadata?.CreationTimestamp is not { } created
                || ImageOf(revision.Data) is not { } image)
            {
                return null;
            }

            return new WorkloadRevision
            {
                Revision = number,
                Name = revision.Metadata.Name ?? "",
                Image = image,
                CreatedAt = WorkloadTroubles.Utc(created),
            };
        }

        private static string? ImageOf(object? data)
        {
            var element = data switch
            {
                JsonElement json => json,
                null => default,
                var other => JsonSerializer.SerializeToElement(other),
            };
            if (element.ValueKind != JsonValueKind.Object
                || !element.TryGetProperty("spec", out var spec)
                || !spec.TryGetProperty("template", out var template)
                || !template.TryGetProperty("spec", out var podSpec)
                || !podSpec.TryGetProperty("containers", out var containers)
                || containers.ValueKind != JsonValueKind.Array
                || containers.GetArrayLength() == 0
                || !containers[0].TryGetProperty("image", out var image)
                || image.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            return image.GetString();
        }
    }
}

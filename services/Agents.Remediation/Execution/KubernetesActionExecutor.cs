using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Hosting.Kubernetes;
using Agents.Remediation.Runbooks;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Execution;

/// <summary>
/// Runs <see cref="KubernetesStep"/>s through <c>KubernetesClient</c> on the one Deployment the service catalog names
/// for the incident's service (nothing else: no other kind, no other cluster than
/// <see cref="RemediationKubernetesOptions.Cluster"/>):
/// <list type="bullet">
/// <item>rollback: the Deployment's ReplicaSets (its selector, owned by it) are searched for the pod template that ran
/// the version (a container image tagged <c>:VERSION</c>, or the label <c>app.kubernetes.io/version</c>); the
/// Deployment's <c>spec.template</c> is replaced by that template without its <c>pod-template-hash</c> label, as
/// <c>kubectl rollout undo</c> does. Already running the version: nothing is patched.</item>
/// <item>restart: the <c>kubectl.kubernetes.io/restartedAt</c> annotation of the pod template is set to now.</item>
/// <item>scale: the replicas become the current count plus <c>add</c>, at most the step's <c>maxReplicas</c>.</item>
/// </list>
/// Every patch is sent first with <c>dryRun=All</c> (the server checks it, nothing changes), then for real. The
/// rollback and scale patches carry the <c>resourceVersion</c> they were computed from: a 409 Conflict (the Deployment
/// changed meanwhile) re-reads it and tries once more, then fails. A 403 fails naming what the service account may not do.
/// </summary>
public sealed class KubernetesActionExecutor : IActionExecutor, IDisposable
{
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    public const string VersionLabel = "app.kubernetes.io/version";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private const string HashLabel = "pod-template-hash";

    private readonly RemediationKubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly k8s.Kubernetes? _client;
    private readonly string? _setupError;

    /// <summary>Builds the client once; a setting that cannot be used fails every step with the reason.</summary>
    public KubernetesActionExecutor(IOptions<RemediationKubernetesOptions> options, TimeProvider time, ILogger<KubernetesActionExecutor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        if (!_options.IsConfigured)
        {
            _setupError = "Remediation:Kubernetes:Url is not set (nor InCluster=true)";
            return;
        }

        try
        {
            _client = new k8s.Kubernetes(KubernetesClientSetup.Configure(_options, _options.Timeout, time, logger, "Remediation Kubernetes executor", "Remediation:Kubernetes"));
        }
        catch (Exception e) when (e is KubeConfigException or InvalidOperationException or IOException or UriFormatException)
        {
            _setupError = e.Message;
        }
    }

    public string Kind => KubernetesStep.KindName;

    public string DescribeTarget(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Kubernetes is { } k
            ? $"{k.Workload} in {k.Namespace}{(k.Cluster is null ? "" : $" (cluster {k.Cluster})")}"
            : $"{target.Service} (no kubernetes entry in the service catalog)";
    }

    public string? ValidateTarget(ExecutorStep step, ActionTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Kubernetes is not { } k)
        {
            return $"the service catalog has no kubernetes entry (namespace, workload) for {target.Service}, so there is nothing to act on";
        }

        if (k.WorkloadKind != "deployment")
        {
            return $"only Deployments can be acted on, and {target.Service} is {k.Workload}";
        }

        if (!ParameterRules.IsObjectName(k.WorkloadName) || !ParameterRules.IsDnsLabel(k.Namespace))
        {
            return $"the service catalog's kubernetes entry of {target.Service} ({k.Workload} in {k.Namespace}) is not a valid Kubernetes name";
        }

        if (_options.Cluster is { } cluster && k.Cluster is { } other && !string.Equals(cluster, other, StringComparison.Ordinal))
        {
            return $"{target.Service} runs in cluster {other}, and this service acts on cluster {cluster} only (Remediation__Kubernetes__Cluster)";
        }

        return null;
    }

    public async Task<StepResult> RunAsync(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (step is not KubernetesStep k8sStep)
        {
            return StepResult.Failure($"kubernetes: not a kubernetes step ({step.Kind})");
        }

        if (ValidateTarget(step, target) is { } refusal)
        {
            return StepResult.Failure($"refused: {refusal}");
        }

        if (_client is null)
        {
            return StepResult.Failure($"kubernetes: the client could not be set up: {_setupError}");
        }

        var workload = target.Kubernetes!;
        var deployment = new Workload(workload.Namespace, workload.WorkloadName);
        try
        {
            return k8sStep.Operation switch
            {
                KubernetesOperation.Rollback => await RollbackAsync(deployment, RenderVersion(k8sStep, parameters), ct),
                KubernetesOperation.Restart => await RestartAsync(deployment, ct),
                _ => await ScaleAsync(deployment, k8sStep, parameters, ct),
            };
        }
        catch (StepRefused e)
        {
            return StepResult.Failure(e.Message);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return StepResult.Failure($"forbidden: the remediation service account may not {e.Data["verb"] ?? "access"} {deployment} ({Status(e)})");
        }
        catch (HttpOperationException e)
        {
            return StepResult.Failure($"kubernetes: {e.Data["verb"] ?? "a request about"} {deployment} answered {Status(e)}");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or IOException or InvalidDataException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Never the exception itself: the client's exceptions keep the request with its Authorization header.
            var reason = e is OperationCanceledException ? $"no answer within {_options.Timeout.TotalSeconds:0} s" : e.Message;
            return StepResult.Failure($"kubernetes: {deployment} could not be reached: {reason}");
        }
    }

    private static string RenderVersion(KubernetesStep step, IReadOnlyDictionary<string, string> parameters)
    {
        var version = RunbookCatalog.RenderRun(step.ToVersion ?? "", parameters, v => v);
        return ParameterRules.IsVersion(version)
            ? version
            : throw new StepRefused($"refused: '{version}' is not a valid version (letters, digits, '.', '_', '+', '-')");
    }

    private async Task<StepResult> RollbackAsync(Workload deployment, string version, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await Call("get", () => _client!.AppsV1.ReadNamespacedDeploymentAsync(deployment.Name, deployment.Namespace, cancellationToken: ct));
            if (Runs(current.Spec?.Template, version))
            {
                return StepResult.Success($"{deployment} is already at {version}: nothing to roll back");
            }

            var selector = Selector(current.Spec?.Selector) ?? throw new StepRefused($"kubernetes: {deployment} has no selector; cannot find its ReplicaSets");
            var sets = await Call("list replicasets of", () => _client!.AppsV1.ListNamespacedReplicaSetAsync(deployment.Namespace, labelSelector: selector, cancellationToken: ct));
            var owned = (sets.Items ?? []).Where(rs => rs.Metadata?.OwnerReferences?.Any(o => o.Uid == current.Metadata?.Uid && o.Kind == "Deployment") == true).ToList();
            var match = owned
                .Where(rs => Runs(rs.Spec?.Template, version))
                .OrderByDescending(Revision)
                .FirstOrDefault();
            if (match is null)
            {
                var known = owned.SelectMany(rs => Versions(rs.Spec?.Template)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                return StepResult.Failure(
                    $"no ReplicaSet of {deployment} runs version {version}, so there is no revision to roll back to "
                    + (known.Count == 0 ? "(it has none with a version)" : $"(versions found: {string.Join(", ", known)})"));
            }

            var template = JsonNode.Parse(KubernetesJson.Serialize(match.Spec!.Template))!.AsObject();
            if (template["metadata"]?["labels"] is JsonObject labels)
            {
                labels.Remove(HashLabel);
            }

            var patch = new JsonArray(
                new JsonObject { ["op"] = "replace", ["path"] = "/metadata/resourceVersion", ["value"] = current.Metadata?.ResourceVersion },
                new JsonObject { ["op"] = "replace", ["path"] = "/spec/template", ["value"] = template });
            if (await PatchTwiceAsync(deployment, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch), attempt, ct))
            {
                var images = string.Join(", ", match.Spec.Template.Spec?.Containers?.Select(c => c.Image) ?? []);
                var revision = Revision(match) is var r and > 0 ? $"revision {r.ToString(CultureInfo.InvariantCulture)}" : $"ReplicaSet {match.Metadata?.Name}";
                return StepResult.Success($"rolled back {deployment} to {revision} (image {images})");
            }
        }
    }

    private async Task<StepResult> RestartAsync(Workload deployment, CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartedAtAnnotation] = now } },
                },
            },
        };
        for (var attempt = 1; ; attempt++)
        {
            if (await PatchTwiceAsync(deployment, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), attempt, ct))
            {
                return StepResult.Success($"restarted {deployment} (rollout restart at {now})");
            }
        }
    }

    private async Task<StepResult> ScaleAsync(Workload deployment, KubernetesStep step, IReadOnlyDictionary<string, string> parameters, CancellationToken ct)
    {
        var addText = RunbookCatalog.RenderRun(step.Add ?? "", parameters, v => v);
        if (!int.TryParse(addText, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var add) || add < 1)
        {
            return StepResult.Failure($"refused: the replicas to add '{addText}' is not a positive whole number");
        }

        var max = step.MaxReplicas ?? 0;
        for (var attempt = 1; ; attempt++)
        {
            var current = await Call("get", () => _client!.AppsV1.ReadNamespacedDeploymentAsync(deployment.Name, deployment.Namespace, cancellationToken: ct));
            var replicas = current.Spec?.Replicas ?? 1;
            var wanted = Math.Min(replicas + add, max);
            if (wanted <= replicas)
            {
                return StepResult.Failure(
                    $"{deployment} already has {replicas} replicas, at or above the runbook's maxReplicas {max}: not scaled");
            }

            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = current.Metadata?.ResourceVersion },
                ["spec"] = new JsonObject { ["replicas"] = wanted },
            };
            if (await PatchTwiceAsync(deployment, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), attempt, ct))
            {
                var capped = wanted < replicas + add ? $" (capped at maxReplicas {max}; {add} asked)" : "";
                return StepResult.Success($"scaled {deployment} from {replicas} to {wanted} replicas{capped}");
            }
        }
    }

    /// <summary>
    /// The patch with <c>dryRun=All</c>, then for real. True when applied; false on a first 409 Conflict (the caller
    /// re-reads and tries once more); a second 409 fails the step.
    /// </summary>
    private async Task<bool> PatchTwiceAsync(Workload deployment, V1Patch patch, int attempt, CancellationToken ct)
    {
        try
        {
            await Call("patch", () => _client!.AppsV1.PatchNamespacedDeploymentAsync(patch, deployment.Name, deployment.Namespace, dryRun: "All", cancellationToken: ct));
            await Call("patch", () => _client!.AppsV1.PatchNamespacedDeploymentAsync(patch, deployment.Name, deployment.Namespace, cancellationToken: ct));
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return attempt < 2
                ? false
                : throw new StepRefused($"conflict: {deployment} changed again while it was being patched (409 twice); not retried further ({Status(e)})");
        }
    }

    /// <summary>Runs a request, noting its verb on a failure for the message.</summary>
    private static async Task<T> Call<T>(string verb, Func<Task<T>> request)
    {
        try
        {
            return await request();
        }
        catch (HttpOperationException e)
        {
            e.Data["verb"] = verb;
            throw;
        }
    }

    private static bool Runs(V1PodTemplateSpec? template, string version) => Versions(template).Contains(version, StringComparer.Ordinal);

    /// <summary>The versions a pod template runs: its containers' image tags and its <c>app.kubernetes.io/version</c> label.</summary>
    private static IEnumerable<string> Versions(V1PodTemplateSpec? template)
    {
        foreach (var container in template?.Spec?.Containers ?? [])
        {
            if (ImageTag(container.Image) is { } tag)
            {
                yield return tag;
            }
        }

        if (template?.Metadata?.Labels is { } labels && labels.TryGetValue(VersionLabel, out var label))
        {
            yield return label;
        }
    }

    private static string? ImageTag(string? image)
    {
        if (string.IsNullOrEmpty(image))
        {
            return null;
        }

        var withoutDigest = image.Split('@', 2)[0];
        var lastSlash = withoutDigest.LastIndexOf('/');
        var colon = withoutDigest.LastIndexOf(':');
        return colon > lastSlash ? withoutDigest[(colon + 1)..] : null;
    }

    private static long Revision(V1ReplicaSet rs) =>
        rs.Metadata?.Annotations?.TryGetValue(RevisionAnnotation, out var text) == true
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    /// <summary>The label selector text of a Deployment's selector (matchLabels and matchExpressions).</summary>
    private static string? Selector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return null;
        }

        var parts = (selector.MatchLabels ?? new Dictionary<string, string>()).Select(l => $"{l.Key}={l.Value}").ToList();
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = string.Join(",", e.Values ?? []);
            parts.Add(e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({values})",
                "NotIn" => $"{e.Key} notin ({values})",
                "Exists" => e.Key,
                _ => $"!{e.Key}",
            });
        }

        return parts.Count == 0 ? null : string.Join(",", parts);
    }

    /// <summary>The API's answer in safe words: the status code and the <c>Status</c> message (never a header).</summary>
    private static string Status(HttpOperationException e)
    {
        var code = (int)e.Response.StatusCode;
        try
        {
            if (!string.IsNullOrWhiteSpace(e.Response.Content) && JsonNode.Parse(e.Response.Content) is JsonObject body && (string?)body["kind"] == "Status")
            {
                return $"{code} {(string?)body["reason"] ?? e.Response.StatusCode.ToString()}: {Shorten((string?)body["message"] ?? "")}";
            }
        }
        catch (JsonException)
        {
            // Not a Status object.
        }

        return $"{code} {e.Response.StatusCode}";
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => _client?.Dispose();

    private sealed record Workload(string Namespace, string Name)
    {
        public override string ToString() => $"deployment/{Name} in {Namespace}";
    }

    /// <summary>A step that stops with a sentence for the summary.</summary>
    private sealed class StepRefused(string message) : Exception(message);
}

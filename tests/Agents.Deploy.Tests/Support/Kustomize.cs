using System.Collections.Concurrent;

namespace Agents.Deploy.Tests.Support;

/// <summary>One object of a rendered kustomization.</summary>
internal sealed record Resource(string Kind, string Name, string? Namespace, object Body)
{
    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>The output of <c>kubectl kustomize DIR</c>, parsed.</summary>
internal sealed class Rendering
{
    private static readonly ConcurrentDictionary<string, Lazy<Rendering>> Cache = new();

    private Rendering(string directory, IReadOnlyList<Resource> resources)
    {
        Directory = directory;
        Resources = resources;
    }

    /// <summary>The kustomization's folder, relative to the repository root.</summary>
    public string Directory { get; }

    public IReadOnlyList<Resource> Resources { get; }

    /// <summary>Renders <paramref name="directory"/> (relative to the repository root) once per test run.</summary>
    public static Rendering Of(string directory) =>
        Cache.GetOrAdd(directory, d => new Lazy<Rendering>(() => Render(d))).Value;

    public IEnumerable<Resource> OfKind(string kind) => Resources.Where(r => r.Kind == kind);

    public Resource? Find(string kind, string name) => Resources.FirstOrDefault(r => r.Kind == kind && r.Name == name);

    public IReadOnlyList<Workload> Deployments => OfKind("Deployment").Select(d => new Workload(this, d)).ToList();

    public Workload Deployment(string name) =>
        Deployments.FirstOrDefault(d => d.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{Directory}: no Deployment named {name}");

    private static Rendering Render(string directory)
    {
        var kubectl = Tool.Require("kubectl", "install kubectl (it renders kustomizations offline)");
        var output = Tool.Run(kubectl, ["kustomize", directory], Repo.Root).StdoutOrFail();
        var resources = Yaml.LoadAll(output).Select(doc => new Resource(
            doc.Str("kind") ?? throw new Xunit.Sdk.XunitException($"{directory}: an object without kind"),
            doc.Str("metadata", "name") ?? throw new Xunit.Sdk.XunitException($"{directory}: a {doc.Str("kind")} without name"),
            doc.Str("metadata", "namespace"),
            doc)).ToList();
        return new Rendering(directory, resources);
    }
}

/// <summary>A Deployment of a rendering, with its pod template's containers and their resolved environment.</summary>
internal sealed class Workload(Rendering rendering, Resource resource)
{
    public string Name => resource.Name;

    public object Body => resource.Body;

    public object? PodSpec => Body.At("spec", "template", "spec");

    public IReadOnlyList<object?> Containers => PodSpec.List("containers");

    /// <summary>The pod's init containers (run to completion, in order, before <see cref="Containers"/> start).</summary>
    public IReadOnlyList<object?> InitContainers => PodSpec.List("initContainers");

    /// <summary>Init containers and containers: what the pod runs, all of which the security and resource rules cover.</summary>
    public IReadOnlyList<object?> AllContainers => [.. InitContainers, .. Containers];

    public override string ToString() => $"Deployment/{Name}";

    /// <summary>
    /// The variables a container gets, as the kubelet builds them: <c>envFrom</c> first, then <c>env</c> over it.
    /// </summary>
    public IReadOnlyDictionary<string, EnvVar> Environment(object? container)
    {
        var vars = new Dictionary<string, EnvVar>(StringComparer.Ordinal);
        foreach (var source in container.List("envFrom"))
        {
            var prefix = source.Str("prefix") ?? "";
            if (source.Str("configMapRef", "name") is { } configMap)
            {
                var data = rendering.Find("ConfigMap", configMap)?.Body.StringMap("data")
                    ?? throw new Xunit.Sdk.XunitException($"{rendering.Directory}: {this} reads ConfigMap {configMap}, which is not rendered");
                foreach (var (key, value) in data)
                {
                    vars[prefix + key] = new EnvVar(prefix + key, value, null, ConfigMap: (configMap, key));
                }
            }

            if (source.Str("secretRef", "name") is { } secret)
            {
                // The keys of a Secret that is not rendered are unknown: kept as a marker.
                vars[$"{prefix}*{secret}"] = new EnvVar($"{prefix}*", null, Secret: (secret, "*"), null);
            }
        }

        foreach (var entry in container.List("env"))
        {
            var name = entry.Str("name") ?? throw new Xunit.Sdk.XunitException($"{this}: an env entry without name");
            if (entry.Map("valueFrom") is { } from)
            {
                if (from.Str("secretKeyRef", "name") is { } secret)
                {
                    vars[name] = new EnvVar(name, null, (secret, from.Str("secretKeyRef", "key") ?? ""), null);
                }
                else if (from.Str("configMapKeyRef", "name") is { } configMap)
                {
                    var key = from.Str("configMapKeyRef", "key") ?? "";
                    var value = rendering.Find("ConfigMap", configMap)?.Body.StringMap("data").GetValueOrDefault(key);
                    vars[name] = new EnvVar(name, value, null, (configMap, key));
                }
                else
                {
                    vars[name] = new EnvVar(name, null, null, null);
                }
            }
            else
            {
                vars[name] = new EnvVar(name, entry.Str("value") ?? "", null, null);
            }
        }

        return vars;
    }
}

/// <summary>One environment variable: a value (literal or from a rendered ConfigMap), or a reference to a Secret key.</summary>
internal sealed record EnvVar(string Name, string? Value, (string Name, string Key)? Secret, (string Name, string Key)? ConfigMap);

namespace Agents.Hosting.Catalog;

/// <summary>Where the service runs in Kubernetes. <see cref="Workload"/> is <c>deployment/NAME</c> or <c>statefulset/NAME</c>.</summary>
public sealed record KubernetesTarget
{
    public string? Cluster { get; init; }

    public required string Namespace { get; init; }

    public required string Workload { get; init; }

    /// <summary><c>deployment</c> or <c>statefulset</c>.</summary>
    public string WorkloadKind => Workload.Split('/', 2)[0];

    public string WorkloadName => Workload.Split('/', 2)[^1];
}

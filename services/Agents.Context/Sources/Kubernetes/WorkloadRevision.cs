namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// One revision of a workload's pod template: a Deployment's ReplicaSet (<c>deployment.kubernetes.io/revision</c>) or a
/// StatefulSet's ControllerRevision (<c>revision</c>). <see cref="CreatedAt"/> is when the object was created, which is
/// when the revision was rolled out unless it was rolled back to later (<see cref="RolledOutAt"/> then says when, if known).
/// </summary>
internal sealed record WorkloadRevision
{
    public required long Revision { get; init; }

    /// <summary>The ReplicaSet's or ControllerRevision's name.</summary>
    public required string Name { get; init; }

    /// <summary>The image of the pod template's first container.</summary>
    public required string Image { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When this revision became the workload's current one, when the API says so (a rollback to an older object).</summary>
    public DateTimeOffset? RolledOutAt { get; init; }

    /// <summary>The <c>kubernetes.io/change-cause</c> annotation.</summary>
    public string? ChangeCause { get; init; }
}

using Agents.Contracts.Context;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// Turns a workload's revisions into deploy records: revisions in order, each one a deploy of its first container's
/// image version, the previous revision's version as <see cref="DeployRecord.PreviousVersion"/>; only the deploys inside
/// the window are kept (the revision before the window still names the previous version of the first one inside).
/// <para>
/// A revision whose object is older than the revision before it was rolled back to: its object's creation time is not
/// when it was deployed, so it is kept only when the API said when it became current
/// (<see cref="WorkloadRevision.RolledOutAt"/>); it still counts as the previous version of the next one.
/// </para>
/// </summary>
internal static class RolloutHistory
{
    public static IReadOnlyList<DeployRecord> ToDeploys(
        IEnumerable<WorkloadRevision> revisions, string service, string? environment, ContextWindow window, ContextBounds bounds)
    {
        var ordered = revisions.OrderBy(r => r.Revision).ToList();
        var deploys = new List<DeployRecord>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var revision = ordered[i];
            var rolledBack = i > 0 && revision.CreatedAt < ordered[i - 1].CreatedAt;
            var deployedAt = rolledBack ? revision.RolledOutAt : revision.CreatedAt;
            if (deployedAt is not { } at || !window.Contains(at))
            {
                continue;
            }

            deploys.Add(new DeployRecord
            {
                Service = service,
                Version = ImageVersion(revision.Image),
                PreviousVersion = i > 0 ? ImageVersion(ordered[i - 1].Image) : null,
                DeployedAt = at,
                Environment = environment,
                Author = string.IsNullOrWhiteSpace(revision.ChangeCause) ? null : bounds.Shorten(revision.ChangeCause.Trim()),
                Source = KubernetesSource.SourceName,
            });
        }

        return deploys.OrderByDescending(d => d.DeployedAt).ToList();
    }

    /// <summary>
    /// The version an image reference names: its tag (<c>registry:5000/shop/checkout:v7.4.2</c> → <c>v7.4.2</c>, also
    /// when a digest follows), else its digest (<c>checkout@sha256:…</c> → <c>sha256:…</c>), else the whole reference.
    /// </summary>
    public static string ImageVersion(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/') && colon < name.Length - 1)
        {
            return name[(colon + 1)..];
        }

        return at >= 0 && at < image.Length - 1 ? image[(at + 1)..] : image;
    }
}

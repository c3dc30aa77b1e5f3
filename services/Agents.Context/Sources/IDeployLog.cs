using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>The deploys CI/CD pipelines reported, as recorded from the <c>deploys</c> exchange.</summary>
public interface IDeployLog
{
    /// <summary>The deploys of <paramref name="service"/> between <paramref name="from"/> and <paramref name="to"/> (both included).</summary>
    Task<IReadOnlyList<DeployRecord>> FindAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct);

    Task RecordAsync(DeployRecord deploy, CancellationToken ct);
}

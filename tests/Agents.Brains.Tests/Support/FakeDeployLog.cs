using Agents.Context.Sources;
using Agents.Contracts.Context;

namespace Agents.Brains.Tests.Support;

/// <summary>A deploy log in a list. It answers every query with everything it holds, as a careless implementation would.</summary>
public sealed class FakeDeployLog(params DeployRecord[] deploys) : IDeployLog
{
    private readonly List<DeployRecord> _deploys = [.. deploys];

    public (string Service, DateTimeOffset From, DateTimeOffset To)? LastQuery { get; private set; }

    public Task<IReadOnlyList<DeployRecord>> FindAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        LastQuery = (service, from, to);
        IReadOnlyList<DeployRecord> found = [.. _deploys];
        return Task.FromResult(found);
    }

    public Task RecordAsync(DeployRecord deploy, CancellationToken ct)
    {
        _deploys.Add(deploy);
        return Task.CompletedTask;
    }
}

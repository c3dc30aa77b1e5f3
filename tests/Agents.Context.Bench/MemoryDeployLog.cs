using Agents.Context.Sources;
using Agents.Contracts.Context;

namespace Agents.Context.Bench;

/// <summary>The deploy log in memory: answers the service's deploys inside the range, as the PostgreSQL one does.</summary>
internal sealed class MemoryDeployLog : IDeployLog
{
    private readonly List<DeployRecord> _deploys = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _deploys.Count;
            }
        }
    }

    public Task<IReadOnlyList<DeployRecord>> FindAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        lock (_gate)
        {
            IReadOnlyList<DeployRecord> found = _deploys
                .Where(d => string.Equals(d.Service, service, StringComparison.OrdinalIgnoreCase) && d.DeployedAt >= from && d.DeployedAt <= to)
                .OrderByDescending(d => d.DeployedAt)
                .ToList();
            return Task.FromResult(found);
        }
    }

    public Task RecordAsync(DeployRecord deploy, CancellationToken ct)
    {
        lock (_gate)
        {
            _deploys.Add(deploy);
        }

        return Task.CompletedTask;
    }
}

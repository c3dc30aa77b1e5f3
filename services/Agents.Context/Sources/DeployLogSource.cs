using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>The deploys of the incident's service inside the window, from the <see cref="IDeployLog"/>.</summary>
public sealed class DeployLogSource(IDeployLog deployLog) : IContextSource
{
    public string Name => SourceName;

    public const string SourceName = "deploy-log";

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        var (service, window) = (request.Service.Name, request.Window);
        var deploys = await deployLog.FindAsync(service, window.Start, window.End, ct);
        return new ContextContribution
        {
            Deploys = deploys
                .Where(d => string.Equals(d.Service, service, StringComparison.OrdinalIgnoreCase) && window.Contains(d.DeployedAt))
                .OrderByDescending(d => d.DeployedAt)
                .Select(d => d with { Source = d.Source ?? SourceName })
                .ToList(),
        };
    }
}

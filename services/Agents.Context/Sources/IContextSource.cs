using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>
/// One place context comes from (the alert itself, the deploy log, later metrics and logs back-ends). The
/// <see cref="ContextCollector"/> queries every registered source in parallel; a source that throws is left
/// out and noted, the others still count.
/// </summary>
public interface IContextSource
{
    /// <summary>The name listed in <see cref="IncidentContext.Sources"/> when this source answered.</summary>
    string Name { get; }

    Task<ContextContribution> CollectAsync(CollectIncidentContext command, ContextWindow window, CancellationToken ct);
}

using Agents.Contracts.Context;
using Agents.Hosting.Catalog;

namespace Agents.Context.Sources;

/// <summary>What every source is asked about: the incident, its service's catalog entry, the services it depends on, the window and the bounds.</summary>
public sealed record ContextRequest
{
    public required CollectIncidentContext Command { get; init; }

    /// <summary>The incident's service as the catalog describes it (its default entry under the service's name when it is not listed).</summary>
    public required CatalogEntry Service { get; init; }

    /// <summary>The entries of the services it depends on (at most <see cref="ContextBounds.MaxDependencies"/>).</summary>
    public IReadOnlyList<CatalogEntry> Dependencies { get; init; } = [];

    public required ContextWindow Window { get; init; }

    public required ContextBounds Bounds { get; init; }

    /// <summary>The ids of the runbook catalog's actions, so that a past incident's resolution can be recognised as one.</summary>
    public IReadOnlyCollection<string> RunbookActions { get; init; } = [];
}

namespace Agents.Context.Sources;

/// <summary>
/// One place context comes from (the alert itself, the deploy log, Prometheus, Loki, Datadog, CloudWatch, PagerDuty,
/// Kubernetes). The <see cref="ContextCollector"/> asks every registered source at once, each under its own timeout
/// and all under one budget; a source that throws or times out is named in the context with the reason, the others
/// still count. A source bounds what it returns by <see cref="ContextRequest.Bounds"/>.
/// </summary>
public interface IContextSource
{
    /// <summary>The name listed in the context's sources when this source answered, e.g. <c>prometheus</c>.</summary>
    string Name { get; }

    /// <summary>How long this source may take; null: only the collector's overall budget applies.</summary>
    TimeSpan? Timeout => null;

    Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct);
}

using Agents.Contracts.Context;

namespace Agents.Context.Sources;

/// <summary>
/// Context from the alert itself: its labels and annotations as alert details (an annotation whose name is
/// also a label with another value is kept as <c>annotation:&lt;name&gt;</c>), and the metric readings they
/// carry (<see cref="AlertMetricExtractor"/>), observed at the triaged alert time (the time the window is
/// built around).
/// </summary>
public sealed class AlertDetailsSource : IContextSource
{
    public string Name => AlertMetricExtractor.SourceName;

    public Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        var command = request.Command;
        var alert = command.Alert;
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in alert.Labels)
        {
            details[key] = value;
        }

        foreach (var (key, value) in alert.Annotations)
        {
            if (details.TryGetValue(key, out var existing) && existing != value)
            {
                details[$"annotation:{key}"] = value;
            }
            else
            {
                details[key] = value;
            }
        }

        return Task.FromResult(new ContextContribution
        {
            AlertDetails = details,
            Metrics = AlertMetricExtractor.Extract(alert, command.Triage.OccurredAt),
        });
    }
}

using System.Runtime.ExceptionServices;
using Agents.Contracts.Context;
using Agents.Hosting.Agents;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources;

/// <summary>
/// Gathers the context of an incident: asks every registered <see cref="IContextSource"/> at once over the
/// window around the triaged alert time (<see cref="ContextWindow.Around"/>) and merges what they found.
/// <list type="bullet">
/// <item>A source that throws is left out of <see cref="IncidentContext.Sources"/> and its error is noted in the
/// alert details under <c>source-error:&lt;name&gt;</c>; the others still count. When every source fails the
/// fault is thrown (one failure as it is, several as an <see cref="AggregateException"/>): a transient fault the
/// messaging retry policy handles.</item>
/// <item>Deploys are de-duplicated (same version and time), restricted to the incident's service and the window
/// (what the orchestrator accepts), newest first. Metrics outside the window are dropped.</item>
/// <item>Alert details merge in source order; a key a previous source already set to another value is kept as
/// <c>&lt;source&gt;:&lt;key&gt;</c>.</item>
/// </list>
/// </summary>
public sealed class ContextCollector(IEnumerable<IContextSource> sources, IOptions<ContextOptions> options)
    : IAgentBrain<CollectIncidentContext, IncidentContext>
{
    private readonly IReadOnlyList<IContextSource> _sources = sources.ToList();

    public string Kind => "rules";

    public async Task<AgentOutcome<IncidentContext>> DecideAsync(CollectIncidentContext command, CancellationToken cancellationToken)
    {
        if (_sources.Count == 0)
        {
            return AgentOutcome<IncidentContext>.Failure("no context sources are configured");
        }

        var service = command.Triage.Service;
        var window = ContextWindow.Around(command.Triage.OccurredAt, options.Value);
        var answers = await Task.WhenAll(_sources.Select(source => AskAsync(source, command, window, cancellationToken)));

        var failures = answers.Where(a => a.Error is not null).ToList();
        if (failures.Count == answers.Length)
        {
            if (failures is [var single])
            {
                ExceptionDispatchInfo.Throw(single.Error!);
            }

            throw new AggregateException(
                $"All {failures.Count} context sources failed: {string.Join("; ", failures.Select(f => $"{f.Source.Name}: {f.Error!.Message}"))}",
                failures.Select(f => f.Error!));
        }

        var deploys = new List<DeployRecord>();
        var metrics = new List<MetricObservation>();
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        var answered = new List<string>();
        foreach (var (source, contribution, error) in answers)
        {
            if (error is not null)
            {
                details[$"source-error:{source.Name}"] = $"{error.GetType().Name}: {error.Message}";
                continue;
            }

            answered.Add(source.Name);
            deploys.AddRange(contribution!.Deploys);
            metrics.AddRange(contribution.Metrics);
            foreach (var (key, value) in contribution.AlertDetails)
            {
                if (details.TryGetValue(key, out var existing) && existing != value)
                {
                    details[$"{source.Name}:{key}"] = value;
                }
                else
                {
                    details[key] = value;
                }
            }
        }

        return AgentOutcome<IncidentContext>.Success(new IncidentContext
        {
            Service = service,
            WindowStart = window.Start,
            WindowEnd = window.End,
            RecentDeploys = deploys
                .Where(d => string.Equals(d.Service, service, StringComparison.OrdinalIgnoreCase) && window.Contains(d.DeployedAt))
                .DistinctBy(d => (d.Version, d.DeployedAt))
                .OrderByDescending(d => d.DeployedAt)
                .ToList(),
            Metrics = metrics.Where(m => window.Contains(m.ObservedAt)).ToList(),
            AlertDetails = details,
            Sources = answered,
        });
    }

    private static async Task<Answer> AskAsync(IContextSource source, CollectIncidentContext command, ContextWindow window, CancellationToken ct)
    {
        try
        {
            return new Answer(source, await source.CollectAsync(command, window, ct), null);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            return new Answer(source, null, ex);
        }
    }

    private sealed record Answer(IContextSource Source, ContextContribution? Contribution, Exception? Error);
}

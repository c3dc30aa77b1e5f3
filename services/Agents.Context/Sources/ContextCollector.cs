using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Hosting.Evidence;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources;

/// <summary>
/// Gathers the context of an incident: looks the service up in the service catalog, then asks every registered
/// <see cref="IContextSource"/> at once about it (and the services it depends on) over the window around the triaged
/// alert time (<see cref="ContextWindow.Around"/>), and merges what they found.
/// <list type="bullet">
/// <item>Each source runs under its own timeout (<see cref="IContextSource.Timeout"/>) and all under the overall
/// <see cref="ContextOptions.Budget"/>; one that throws or runs out of time is named in
/// <see cref="IncidentContext.SourceFailures"/> with the reason, and the others still count. Only when every source
/// failed is the fault thrown (one as it is, several as an <see cref="AggregateException"/>): a transient fault the
/// messaging retry policy handles.</item>
/// <item>Deploys are restricted to the incident's service and the window, de-duplicated (the same version seen by two
/// sources within <see cref="SameDeployWithin"/> is one deploy; the deploy log's record is kept), newest first.</item>
/// <item>Each measured series of the incident's own service is also summarised as a single reading in
/// <see cref="IncidentContext.Metrics"/> (error_rate, latency_p99_ms, saturation, restarts): its peak in the incident
/// window, its baseline, anomalous when it stepped up.</item>
/// <item>Alert details merge in source order; a key a previous source already set to another value is kept as
/// <c>&lt;source&gt;:&lt;key&gt;</c>.</item>
/// <item>The whole is then kept to the bounds: the newest <see cref="ContextBounds.MaxDeploys"/> deploys, the first
/// <see cref="ContextBounds.MaxFailures"/> failures, the most frequent log patterns (per source bound, two sources),
/// past incidents and events, and <see cref="ContextBounds.MaxBytes"/> in all (<see cref="ContextSizeLimiter"/>).</item>
/// </list>
/// </summary>
public sealed class ContextCollector(
    IEnumerable<IContextSource> sources,
    IOptions<ContextOptions> options,
    IOptions<ContextBounds> bounds,
    ServiceCatalog catalog,
    RunbookActionNames runbookActions,
    TimeProvider time) : IAgentBrain<CollectIncidentContext, IncidentContext>
{
    public static readonly TimeSpan SameDeployWithin = TimeSpan.FromMinutes(10);

    private readonly IReadOnlyList<IContextSource> _sources = sources.ToList();

    public string Kind => "rules";

    public async Task<AgentOutcome<IncidentContext>> DecideAsync(CollectIncidentContext command, CancellationToken cancellationToken)
    {
        if (_sources.Count == 0)
        {
            return AgentOutcome<IncidentContext>.Failure("no context sources are configured");
        }

        var limits = bounds.Value;
        var entry = catalog.Resolve(command.Triage.Service);
        var match = catalog.Match(command.Alert);
        var request = new ContextRequest
        {
            Command = command,
            Service = entry,
            Dependencies = entry.DependsOn.Take(limits.MaxDependencies).Select(catalog.Resolve).ToList(),
            Window = ContextWindow.Around(command.Triage.OccurredAt, options.Value, time.GetUtcNow()),
            Bounds = limits,
            RunbookActions = runbookActions.Names,
        };

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Value.Budget);
        var answers = await Task.WhenAll(_sources.Select(source => AskAsync(source, request, options.Value.Budget, budget.Token, cancellationToken)));

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

        var context = Merge(request, answers, match is not null && match.Entry.Name == entry.Name ? match.MatchedBy : null);
        context = context with
        {
            RecentDeploys = context.RecentDeploys.Take(limits.MaxDeploys).ToList(),
            SourceFailures = context.SourceFailures.Take(limits.MaxFailures).ToList(),
            LogPatterns = context.LogPatterns.Take(limits.MaxLogPatterns * 2).ToList(),
            PastIncidents = context.PastIncidents.Take(limits.MaxPastIncidents).ToList(),
            WorkloadEvents = context.WorkloadEvents.Take(limits.MaxEvents).ToList(),
        };
        return AgentOutcome<IncidentContext>.Success(ContextSizeLimiter.Limit(context, limits.MaxBytes));
    }

    private static IncidentContext Merge(ContextRequest request, Answer[] answers, string? matchedBy)
    {
        var (service, window) = (request.Service.Name, request.Window);
        var deploys = new List<DeployRecord>();
        var metrics = new List<MetricObservation>();
        var series = new List<MetricSeries>();
        var patterns = new List<LogPattern>();
        var past = new List<PastIncident>();
        var events = new List<WorkloadEvent>();
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        var answered = new List<string>();
        var failures = new List<SourceFailure>();
        foreach (var (source, contribution, error) in answers)
        {
            if (error is not null)
            {
                failures.Add(Failure(source, error));
                continue;
            }

            answered.Add(source.Name);
            deploys.AddRange(contribution!.Deploys.Select(d => d with { Source = d.Source ?? source.Name }));
            metrics.AddRange(contribution.Metrics);
            series.AddRange(contribution.Series);
            patterns.AddRange(contribution.LogPatterns);
            past.AddRange(contribution.PastIncidents);
            events.AddRange(contribution.WorkloadEvents);
            failures.AddRange(contribution.Problems.Select(p => new SourceFailure { Source = source.Name, Reason = StorableText.Bounded(p, 500) }));
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

        metrics.AddRange(series.Where(s => string.Equals(s.Service, service, StringComparison.OrdinalIgnoreCase)).Select(Reading).OfType<MetricObservation>());
        var entry = request.Service;
        return new IncidentContext
        {
            Service = service,
            WindowStart = window.Start,
            WindowEnd = window.End,
            IncidentWindowStart = window.IncidentStart,
            Profile = new ServiceProfile
            {
                Name = entry.Name,
                FromDefaultEntry = entry.IsDefault,
                MatchedBy = matchedBy,
                Team = entry.Team,
                Tier = entry.Tier,
                Environment = entry.Environment,
                Cluster = entry.Kubernetes?.Cluster,
                Namespace = entry.Kubernetes?.Namespace,
                Workload = entry.Kubernetes?.Workload,
                DependsOn = entry.DependsOn,
            },
            RecentDeploys = Deduplicate(deploys.Where(d => string.Equals(d.Service, service, StringComparison.OrdinalIgnoreCase) && window.Contains(d.DeployedAt))),
            Metrics = metrics.Where(m => window.Contains(m.ObservedAt)).ToList(),
            Series = series,
            LogPatterns = patterns.OrderByDescending(p => p.Count).ToList(),
            PastIncidents = past.OrderByDescending(p => p.Similarity).ToList(),
            WorkloadEvents = events.OrderByDescending(e => e.Count).ToList(),
            AlertDetails = details,
            Sources = answered,
            SourceFailures = failures,
        };
    }

    /// <summary>Newest first; the same version within <see cref="SameDeployWithin"/> of another is one deploy (the first source's record kept).</summary>
    private static List<DeployRecord> Deduplicate(IEnumerable<DeployRecord> deploys)
    {
        var kept = new List<DeployRecord>();
        foreach (var deploy in deploys)
        {
            var same = kept.FindIndex(k => k.Version == deploy.Version && (k.DeployedAt - deploy.DeployedAt).Duration() <= SameDeployWithin);
            if (same < 0)
            {
                kept.Add(deploy);
            }
            else if (kept[same].PreviousVersion is null && deploy.PreviousVersion is not null)
            {
                kept[same] = kept[same] with { PreviousVersion = deploy.PreviousVersion };
            }
        }

        return kept.OrderByDescending(d => d.DeployedAt).ToList();
    }

    /// <summary>A measured series as one reading: its peak in the incident window, against its baseline.</summary>
    private static MetricObservation? Reading(MetricSeries series)
    {
        if (series.Peak is not { } peak)
        {
            return null;
        }

        var (name, unit, scale) = (series.Signal, series.Unit) switch
        {
            (MetricSignals.ErrorRatio, _) => ("error_rate", "ratio", 1.0),
            (MetricSignals.LatencyP99, "seconds") => ("latency_p99_ms", "ms", 1000.0),
            (MetricSignals.LatencyP99, _) => ("latency_p99_ms", series.Unit, 1.0),
            (MetricSignals.Saturation, "percent") => ("saturation", "ratio", 0.01),
            (MetricSignals.Saturation, _) => ("saturation", "ratio", 1.0),
            _ => (series.Signal, series.Unit, 1.0),
        };
        var peakPoint = series.Points.Where(p => p.At >= series.From).MaxBy(p => p.Value);
        var value = peak * scale;
        if (value < 0 || !double.IsFinite(value))
        {
            return null;
        }

        // A ratio a little above 1 (counters reset mid-window, rates over unaligned windows) is still "all of it".
        var clamp = unit == "ratio" ? 1.0 : double.MaxValue;
        return new MetricObservation
        {
            Name = name,
            Value = Math.Min(value, clamp),
            Baseline = series.Baseline is { } baseline ? Math.Clamp(baseline * scale, 0, clamp) : null,
            Unit = unit,
            ObservedAt = series.Step?.Began ?? peakPoint?.At ?? series.To,
            Anomalous = series.Step is { Direction: "up" },
            Source = series.Source,
        };
    }

    private static SourceFailure Failure(IContextSource source, Exception error) => error switch
    {
        TimeoutException or OperationCanceledException => new SourceFailure
        {
            Source = source.Name,
            Reason = string.Create(CultureInfo.InvariantCulture, $"no answer within {(source.Timeout is { } t ? Durations.Format(t) : "the context budget")}"),
            TimedOut = true,
        },
        _ => new SourceFailure { Source = source.Name, Reason = StorableText.Bounded($"{error.GetType().Name}: {error.Message}", 500) },
    };

    private static async Task<Answer> AskAsync(IContextSource source, ContextRequest request, TimeSpan budget, CancellationToken budgetToken, CancellationToken ct)
    {
        var limit = source.Timeout is { } own && own < budget ? own : budget;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(budgetToken);
        timeout.CancelAfter(limit);
        using var activity = ContextTelemetry.Source.StartActivity($"context.source {source.Name}");
        activity?.SetTag("agents.context.source", source.Name);
        var started = Stopwatch.GetTimestamp();
        try
        {
            // WaitAsync: a source that ignores its token still cannot hold the step past its time.
            var contribution = await source.CollectAsync(request, timeout.Token).WaitAsync(limit, ct);
            ContextTelemetry.Record(source.Name, "ok", Stopwatch.GetElapsedTime(started));
            return new Answer(source, contribution, null);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            var outcome = ex is TimeoutException or OperationCanceledException ? "timed_out" : "failed";
            ContextTelemetry.Record(source.Name, outcome, Stopwatch.GetElapsedTime(started));
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            return new Answer(source, null, ex);
        }
    }

    private sealed record Answer(IContextSource Source, ContextContribution? Contribution, Exception? Error);
}

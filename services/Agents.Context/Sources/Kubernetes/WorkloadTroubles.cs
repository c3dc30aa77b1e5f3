using System.Globalization;
using Agents.Contracts.Context;
using k8s.Models;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// What went wrong with a workload's pods, as bounded <see cref="WorkloadEvent"/>s, from two views:
/// <list type="bullet">
/// <item>the pods' container statuses: a last (or current) termination <c>OOMKilled</c> (one event at its
/// <c>finishedAt</c>), a container waiting in <c>CrashLoopBackOff</c> (counted by its restarts, at its last
/// termination), otherwise restarts (<c>Restarted</c>, counted by <c>restartCount</c>, at the last termination). A
/// status keeps no earlier times, so these are seen once, at the last termination;</item>
/// <item>the <c>Warning</c> events about the pods (their <c>count</c>, <c>firstTimestamp</c>/<c>lastTimestamp</c>, or
/// <c>eventTime</c> and <c>series</c> for events written through <c>events.k8s.io</c>).</item>
/// </list>
/// Only what was seen inside the window counts. Both views of the same thing are one event: items with the same reason
/// and pod are merged (a kubelet <c>BackOff</c> "Back-off restarting failed container" event is the
/// <c>CrashLoopBackOff</c> of its pod): the larger count of the two views (events of one reason add up, as do the
/// containers of one pod), the earliest first and latest last sighting, the pod status' message before an event's. The
/// <see cref="ContextBounds.MaxEvents"/> most frequent are kept (then the most recent), messages shortened.
/// </summary>
internal static class WorkloadTroubles
{
    public const string OomKilled = "OOMKilled";
    public const string CrashLoopBackOff = "CrashLoopBackOff";
    public const string Restarted = "Restarted";

    public static IReadOnlyList<WorkloadEvent> Collect(
        IReadOnlyList<V1Pod> pods,
        string? podsQuery,
        IReadOnlyList<Corev1Event> events,
        string? eventsQuery,
        ContextWindow window,
        ContextBounds bounds)
    {
        var sightings = new List<Sighting>();
        if (podsQuery is not null)
        {
            sightings.AddRange(pods.SelectMany(pod => FromPod(pod, podsQuery)));
        }

        if (eventsQuery is not null)
        {
            sightings.AddRange(events.Select(e => FromEvent(e, eventsQuery)).OfType<Sighting>());
        }

        return sightings
            .Where(s => s.LastSeen >= window.Start && s.FirstSeen <= window.End)
            .GroupBy(s => (s.Reason, s.Object))
            .Select(group => Merge(group.Key.Reason, group.Key.Object, group.ToList(), window, bounds))
            .OrderByDescending(e => e.Count)
            .ThenByDescending(e => e.LastSeen)
            .ThenBy(e => e.Object, StringComparer.Ordinal)
            .Take(bounds.MaxEvents)
            .ToList();
    }

    private static WorkloadEvent Merge(string reason, string target, List<Sighting> sightings, ContextWindow window, ContextBounds bounds)
    {
        var fromPods = sightings.Where(s => s.FromPodStatus).ToList();
        var fromEvents = sightings.Where(s => !s.FromPodStatus).OrderByDescending(s => s.LastSeen).ToList();
        var message = fromPods.OrderByDescending(s => s.LastSeen).Select(s => s.Message).FirstOrDefault(m => m is not null)
            ?? fromEvents.Select(s => s.Message).FirstOrDefault(m => !string.IsNullOrWhiteSpace(m));
        return new WorkloadEvent
        {
            Source = KubernetesSource.SourceName,
            Query = string.Join("; ", sightings.Select(s => s.Query).Distinct().Order(StringComparer.Ordinal)),
            From = window.Start,
            To = window.End,
            Reason = reason,
            Object = target,
            Count = Math.Max(fromPods.Sum(s => s.Count), fromEvents.Sum(s => s.Count)),
            FirstSeen = sightings.Min(s => s.FirstSeen),
            LastSeen = sightings.Max(s => s.LastSeen),
            Message = message is null ? null : bounds.Shorten(message.Trim()),
        };
    }

    private static IEnumerable<Sighting> FromPod(V1Pod pod, string query)
    {
        var target = $"pod/{pod.Metadata?.Name}";
        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);
        foreach (var status in statuses)
        {
            var restarts = status.RestartCount;
            var last = status.LastState?.Terminated;
            var oom = status.State?.Terminated is { Reason: OomKilled } current ? current
                : last is { Reason: OomKilled } ? last
                : null;
            if (oom is { FinishedAt: { } oomAt })
            {
                var time = Utc(oomAt);
                yield return new Sighting(OomKilled, target, 1, time, time, true, query,
                    $"container {status.Name} was OOMKilled (exit code {oom.ExitCode}); {Restarts(restarts)}");
            }

            if (status.State?.Waiting is { Reason: CrashLoopBackOff })
            {
                if ((last?.FinishedAt ?? pod.Status?.StartTime) is { } crashed)
                {
                    var time = Utc(crashed);
                    yield return new Sighting(CrashLoopBackOff, target, Math.Max(restarts, 1), time, time, true, query,
                        $"container {status.Name} is in CrashLoopBackOff after {Restarts(restarts)}{LastExit(last)}");
                }
            }
            else if (restarts > 0 && oom is null && last?.FinishedAt is { } finished)
            {
                var time = Utc(finished);
                yield return new Sighting(Restarted, target, restarts, time, time, true, query,
                    $"container {status.Name} restarted {Times(restarts)}{LastExit(last)}");
            }
        }
    }

    private static Sighting? FromEvent(Corev1Event e, string query)
    {
        var first = e.FirstTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp;
        var last = e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? first;
        if (first is not { } firstSeen || last is not { } lastSeen || e.InvolvedObject?.Name is not { } name)
        {
            return null;
        }

        var reason = e.Reason ?? "Unknown";
        if (reason == "BackOff" && (e.Message ?? "").StartsWith("Back-off restarting failed container", StringComparison.Ordinal))
        {
            reason = CrashLoopBackOff;
        }

        var kind = (e.InvolvedObject.Kind ?? "pod").ToLowerInvariant();
        var count = Math.Max(1, e.Count ?? e.Series?.Count ?? 1);
        var (from, to) = (Utc(firstSeen), Utc(lastSeen));
        return new Sighting(reason, $"{kind}/{name}", count, from <= to ? from : to, to >= from ? to : from, false, query, e.Message);
    }

    private static string Restarts(int restarts) => restarts == 1 ? "1 restart" : $"{restarts} restarts";

    private static string Times(int restarts) => restarts == 1 ? "once" : $"{restarts} times";

    private static string LastExit(V1ContainerStateTerminated? last) =>
        last is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; last exit: {last.Reason ?? "unknown"} (exit code {last.ExitCode})");

    /// <summary>The client reads API times as UTC; one without a kind is taken as UTC too.</summary>
    internal static DateTimeOffset Utc(DateTime time) =>
        new(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime());

    private sealed record Sighting(
        string Reason, string Object, int Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool FromPodStatus, string Query, string? Message);
}

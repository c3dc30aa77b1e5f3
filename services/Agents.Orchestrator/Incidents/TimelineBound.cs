using Agents.Contracts;
using Agents.Contracts.Incidents;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Keeps an incident's timeline bounded, so the row stays small whatever happens to the incident. Repeats of the alert in
/// a row are counted in one entry already; what can still pile up is noise that alternates (an alert flapping between
/// firing and resolved for days, resumes, late replies, refused commands). Once the timeline reaches
/// <see cref="Limit"/> entries, every such entry older than the newest <see cref="KeepNewest"/> is folded into one
/// entry, <see cref="Folded"/>, that counts the events they stood for and keeps their span, in the place of the first. What the
/// incident did (steps, segments written, verdicts, operator actions that were carried out) is never folded.
/// </summary>
internal static class TimelineBound
{
    /// <summary>The most entries the timeline holds before its noise is folded (a few hundred KB of <c>jsonb</c> at most).</summary>
    public const int Limit = 500;

    /// <summary>The newest entries, never folded: the recent history stays as it happened.</summary>
    public const int KeepNewest = 100;

    /// <summary>The event of the entry that stands for the folded ones.</summary>
    public const string Folded = "earlier entries folded";

    private static readonly HashSet<string> NoiseEvents =
        [IncidentStateMachine.DuplicateAttached, IncidentStateMachine.RepeatReadAgain, "resumed", "late reply ignored", "operator command refused", Folded];

    /// <summary>The timeline with <paramref name="entry"/> appended, its older noise folded when it has reached <see cref="Limit"/>.</summary>
    public static IReadOnlyList<TimelineEntry> Append(IReadOnlyList<TimelineEntry> timeline, TimelineEntry entry)
    {
        if (timeline.Count < Limit)
        {
            return [.. timeline, entry];
        }

        var older = timeline.Count - KeepNewest;
        var folded = timeline.Take(older).Where(IsNoise).ToList();
        if (folded.Count < 2)
        {
            // Nothing worth folding: only what the incident did, which is kept (it grows with operators' re-runs only).
            return [.. timeline, entry];
        }

        // Counted as the events they stood for: a run of repeats kept as one entry counts its repeats.
        var count = folded.Sum(t => t.Count ?? 1);
        var first = folded[0];
        var last = folded.Max(t => t.LastAt ?? t.At);
        var fold = new TimelineEntry
        {
            // Under intake, never a step's name: the saga looks back in the timeline for the last step it ran.
            At = folded.Min(t => t.At), Step = IncidentSteps.Intake, Attempt = 0, Event = Folded, Count = count, LastAt = last,
            Detail = $"{count} earlier events folded to keep the timeline bounded: repeats of the alert, the source's statuses, "
                + "resumes, late replies and refused commands",
        };
        var result = new List<TimelineEntry>(timeline.Count - folded.Count + 2);
        for (var i = 0; i < timeline.Count; i++)
        {
            var current = timeline[i];
            if (i >= older || !IsNoise(current))
            {
                result.Add(current);
            }
            else if (ReferenceEquals(current, first))
            {
                result.Add(fold);
            }
        }

        result.Add(entry);
        return result;
    }

    private static bool IsNoise(TimelineEntry entry) =>
        NoiseEvents.Contains(entry.Event) || entry.Event.StartsWith("source reports ", StringComparison.Ordinal);
}

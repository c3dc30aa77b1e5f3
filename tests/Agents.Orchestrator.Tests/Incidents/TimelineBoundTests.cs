using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;
using MassTransit;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>An incident's timeline stays bounded: its older noise is folded into one counted entry, what it did never is.</summary>
public sealed class TimelineBoundTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Below_the_limit_entries_are_appended_as_they_come()
    {
        var timeline = Build(TimelineBound.Limit - 1, i => i % 2 == 0 ? "source reports resolved" : IncidentStateMachine.DuplicateAttached);

        var appended = TimelineBound.Append(timeline, Entry(999, "dispatched"));

        Assert.Equal(TimelineBound.Limit, appended.Count);
        Assert.Equal([.. timeline, appended[^1]], appended);
    }

    [Fact]
    public void At_the_limit_older_noise_folds_into_one_counted_entry_and_what_the_incident_did_stays_in_order()
    {
        // A flapping alert: the source's statuses and repeats alternate (so repeats never run), between the steps' entries.
        var timeline = Build(TimelineBound.Limit, i => i % 50 == 0 ? "step succeeded" : i % 2 == 0 ? "source reports resolved" : IncidentStateMachine.DuplicateAttached);
        var newest = Entry(TimelineBound.Limit, "dispatched");

        var appended = TimelineBound.Append(timeline, newest);

        var older = timeline.Take(TimelineBound.Limit - TimelineBound.KeepNewest).ToList();
        var folded = Assert.Single(appended, t => t.Event == TimelineBound.Folded);
        var noise = older.Where(t => t.Event != "step succeeded").ToList();
        Assert.Equal((noise.Count, noise[0].At, noise[^1].At, IncidentSteps.Intake), (folded.Count, folded.At, folded.LastAt, folded.Step));
        // In the first folded entry's place; the steps' entries, the newest entries and the new one as they were.
        Assert.Equal([older[0], folded, .. older.Where(t => t.Event == "step succeeded").Skip(1), .. timeline.Skip(older.Count), newest], appended);
        Assert.True(appended.Count <= TimelineBound.KeepNewest + 20, $"{appended.Count} entries after folding");
    }

    [Fact]
    public void A_second_fold_adds_to_the_first_and_an_incident_of_only_real_work_is_never_folded()
    {
        var once = TimelineBound.Append(Build(TimelineBound.Limit, i => i == 0 ? "alert received" : "resumed"), Entry(TimelineBound.Limit, "resumed"));
        var grown = once;
        while (grown.Count < TimelineBound.Limit)
        {
            grown = [.. grown, Entry(grown.Count + 1000, "late reply ignored")];
        }

        var twice = TimelineBound.Append(grown, Entry(5000, "dispatched"));

        var folded = Assert.Single(twice, t => t.Event == TimelineBound.Folded);
        var everyEntry = TimelineBound.Limit + 1 + (TimelineBound.Limit - once.Count);
        Assert.Equal(everyEntry - 1 - TimelineBound.KeepNewest, folded.Count); // all but the first and the newest, over two folds
        Assert.Equal(["alert received", TimelineBound.Folded], twice.Take(2).Select(t => t.Event));

        var runs = Build(TimelineBound.Limit, i => i % 2 == 0 ? "source reports firing" : IncidentStateMachine.DuplicateAttached)
            .Select(t => t.Event == IncidentStateMachine.DuplicateAttached ? t with { Count = 10 } : t).ToList();
        var foldedRuns = Assert.Single(TimelineBound.Append(runs, Entry(9000, "dispatched")), t => t.Event == TimelineBound.Folded);
        Assert.Equal((TimelineBound.Limit - TimelineBound.KeepNewest) / 2 * 11, foldedRuns.Count); // each run counts its 10 repeats

        var work = Build(TimelineBound.Limit, i => "step succeeded");
        Assert.Equal(TimelineBound.Limit + 1, TimelineBound.Append(work, Entry(9999, "dispatched")).Count);
    }

    [Fact]
    public async Task An_alert_flapping_for_days_keeps_its_incident_row_bounded()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        var (fingerprint, flaps) = ("fp-auth-errors", TimelineBound.Limit);

        for (var i = 0; i < flaps; i++)
        {
            await h.Publish(new AlertStatusReported
            {
                EventId = NewId.NextGuid(), Fingerprint = fingerprint, Status = "resolved", Format = "generic", Summary = $"flap {i}", ReceivedAt = DateTimeOffset.UtcNow,
            });
            await h.Publish(new AlertReceived { IncidentId = NewId.NextGuid(), Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        }

        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.AlertCount == flaps + 1, TimeSpan.FromSeconds(60)),
            $"the repeats were not all attached ({h.Saga.Sagas.Contains(id)!.AlertCount} of {flaps + 1})");
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.InRange(incident.Timeline.Count, 2, TimelineBound.Limit);
        var folded = Assert.Single(incident.Timeline, t => t.Event == TimelineBound.Folded);
        Assert.True(folded.Count > flaps, $"{folded.Count} entries folded");
        Assert.Equal("alert received", incident.Timeline[0].Event);
    }

    private static List<TimelineEntry> Build(int count, Func<int, string> eventOf) =>
        Enumerable.Range(0, count).Select(i => Entry(i, eventOf(i))).ToList();

    private static TimelineEntry Entry(int i, string what) =>
        new() { At = Start.AddSeconds(i), Step = IncidentSteps.Intake, Attempt = 1, Event = what, Detail = $"#{i}" };
}

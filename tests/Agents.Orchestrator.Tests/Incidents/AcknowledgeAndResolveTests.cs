using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Workflows;
using MassTransit;
using static Agents.Orchestrator.Tests.Incidents.OperatorCommandTests;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>A human acknowledges and resolves incidents; the orchestrator closes escalated ones past their maximum open age.</summary>
public sealed class AcknowledgeAndResolveTests
{
    private const string Alice = "oidc:alice@example.com";
    private const string Bob = "apikey:deploy-bot";

    [Fact]
    public async Task Acknowledging_an_incident_in_flight_records_who_and_leaves_its_step_and_timeout_alone()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);
        var deadline = await h.WaitAwaited(id, IncidentSteps.Investigation, 1);

        var answer = await Operate(h, new AcknowledgeIncident { IncidentId = id, Actor = Alice, Note = "looking at the DB failover" });

        Assert.Equal($"acknowledged by {Alice} while the incident is Investigating (investigation attempt 1 in flight)", answer);
        var published = await h.Harness.WaitPublished<IncidentAcknowledged>(p => p.Context.Message.IncidentId == id);
        Assert.Equal((Alice, "looking at the DB failover"), (published!.Context.Message.Actor, published.Context.Message.Note));
        var incident = await h.InState(id, h.Machine.Investigating);
        Assert.Equal(Alice, incident.AcknowledgedBy);
        Assert.Equal(published.Context.Message.At, incident.AcknowledgedAt);
        var entry = Assert.Single(incident.Timeline, t => t.Event == "acknowledged");
        Assert.Equal((IncidentSteps.Operator, "looking at the DB failover", Alice), (entry.Step, entry.Detail, entry.Actor));
        // The awaited step is untouched: same attempt, same deadline, nothing sent again.
        Assert.Equal((IncidentSteps.Investigation, 1, deadline), (incident.CurrentStep, incident.StepAttempt, incident.StepDeadline));
        Assert.Single(h.Sent<InvestigateIncident>(m => m.IncidentId == id));

        // ... and its timeout still fires.
        await h.AdvancePastTimeout(id, IncidentSteps.Investigation, 1, TimeSpan.FromSeconds(61));
        await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.Equal(Alice, h.Saga.Sagas.Contains(id)!.AcknowledgedBy);

        // The notification agent is told someone is on it.
        await h.Publish(new IncidentInvestigated
        {
            IncidentId = id, Attempt = 2,
            Hypothesis = Samples.Hypothesis() with { Category = "unknown", Confidence = 0.2, SuspectVersion = null, Evidence = [] },
        });
        var notify = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Escalation);
        Assert.Equal((Alice, incident.AcknowledgedAt), (notify.Incident.AcknowledgedBy, notify.Incident.AcknowledgedAt));
    }

    [Fact]
    public async Task An_escalated_incident_is_acknowledged_once_and_a_second_acknowledgement_names_the_first()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);

        await Operate(h, new AcknowledgeIncident { IncidentId = id, Actor = Alice });
        var refusal = await Refused(h, new AcknowledgeIncident { IncidentId = id, Actor = Bob, Note = "me too" });

        Assert.StartsWith($"the incident was already acknowledged by {Alice} at ", refusal);
        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.True(incident.IsOpen);
        Assert.Equal(Alice, incident.AcknowledgedBy);
        Assert.Contains($"{incident.AcknowledgedAt:u}", refusal);
        Assert.Null(Assert.Single(incident.Timeline, t => t.Event == "acknowledged").Detail);
        var refused = Assert.Single(incident.Timeline, t => t.Event == "operator command refused");
        Assert.Equal(Bob, refused.Actor);
        Assert.Contains(nameof(AcknowledgeIncident), refused.Detail);
        Assert.Single(Published<IncidentAcknowledged>(h, m => m.IncidentId == id));
    }

    [Fact]
    public async Task A_resolved_incident_or_a_command_without_an_actor_cannot_be_acknowledged()
    {
        await using var h = await SagaHarness.Start();
        var id = await Resolve(h);

        var resolved = await Refused(h, new AcknowledgeIncident { IncidentId = id, Actor = Alice });
        var nobody = await Refused(h, new AcknowledgeIncident { IncidentId = id, Actor = "  " });

        Assert.Equal("the incident is Resolved: it needs nobody, there is nothing to acknowledge", resolved);
        Assert.Contains("no actor", nobody);
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Null(incident.AcknowledgedBy);
        Assert.Equal([Alice, null], incident.Timeline.Where(t => t.Event == "operator command refused").Select(t => t.Actor));
        Assert.Empty(Published<IncidentAcknowledged>(h, m => m.IncidentId == id));
    }

    [Fact]
    public async Task Resolving_an_escalated_incident_ends_it_and_a_repeat_of_its_alert_then_opens_a_new_incident()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);
        // Until it is resolved, the escalated incident takes the repeats of its alert.
        await h.Publish(new AlertReceived { IncidentId = NewId.NextGuid(), Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.AlertCount == 2), "the repeat did not attach");

        var answer = await Operate(h, new ResolveIncident { IncidentId = id, Actor = Alice, Note = "failed the primary DB over by hand" });

        Assert.Equal($"resolved by {Alice} (was Escalated); a repeat of its alert now opens a new incident", answer);
        var incident = await h.InState(id, h.Machine.Resolved);
        Assert.False(incident.IsOpen);
        var entry = Assert.Single(incident.Timeline, t => t.Event == "resolved by operator");
        Assert.Equal((IncidentSteps.Operator, "failed the primary DB over by hand", Alice), (entry.Step, entry.Detail, entry.Actor));
        var published = (await h.Harness.WaitPublished<IncidentResolvedByOperator>(p => p.Context.Message.IncidentId == id))!.Context.Message;
        Assert.Equal((IncidentStatuses.Resolved, Alice, "failed the primary DB over by hand"), (published.Status, published.Actor, published.Note));

        var repeat = await h.RaiseAlert(Samples.Alert());

        Assert.NotEqual(id, repeat);
        Assert.Equal(2, h.Saga.Sagas.Contains(id)!.AlertCount);
        Assert.Equal(1, h.Saga.Sagas.Contains(repeat)!.AlertCount);
    }

    [Fact]
    public async Task The_alert_that_opened_an_incident_read_again_after_it_ended_opens_no_second_incident()
    {
        // The broker or the intake crashed before it recorded that it had handled the body: the same body is read again
        // long after, gives the same incident id, and must find the incident it opened, not open a second one.
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);
        await Operate(h, new ResolveIncident { IncidentId = id, Actor = Alice, Note = "fixed by hand" });
        // A count, not the instance: the in-memory repository hands out the live saga.
        var entries = (await h.InState(id, h.Machine.Resolved)).Timeline.Count;
        var again = new AlertReceived { IncidentId = id, Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow.AddDays(1) };

        await h.Publish(again);
        var consumed = await h.Harness.WaitConsumed<AlertReceived>(c => c.Context.Message.IncidentId == id && c.Context.Message.ReceivedAt == again.ReceivedAt);

        Assert.NotNull(consumed);
        Assert.Null(consumed.Exception);

        Assert.Single(h.Saga.Sagas.Select(_ => true).ToList());
        var after = await h.InState(id, h.Machine.Resolved);
        Assert.Equal((1, entries, false), (after.AlertCount, after.Timeline.Count, after.IsOpen));
        // Another message with its fingerprint is a new firing of the alert: a new incident.
        var newer = await h.RaiseAlert(Samples.Alert());
        Assert.NotEqual(id, newer);
    }

    [Fact]
    public async Task A_repeat_read_again_is_counted_once_and_after_its_incident_ended_opens_no_second_incident()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);
        var repeat = new AlertReceived { IncidentId = NewId.NextGuid(), Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow };
        await h.Publish(repeat);
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.AlertCount == 2), "the repeat did not attach");

        // Its body read again while the incident is open (a redelivery after a crash): the same intake id, counted once.
        await h.Publish(repeat with { ReceivedAt = repeat.ReceivedAt.AddSeconds(5) });
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.Timeline.Any(t => t.Event == IncidentStateMachine.RepeatReadAgain)),
            "the repeat read again was not recorded");
        Assert.Equal(2, h.Saga.Sagas.Contains(id)!.AlertCount);

        await Operate(h, new ResolveIncident { IncidentId = id, Actor = Alice, Note = "fixed by hand" });
        var entries = (await h.InState(id, h.Machine.Resolved)).Timeline.Count;

        // And again after the incident ended: it finds the incident it was attached to, not a new one.
        var late = repeat with { ReceivedAt = repeat.ReceivedAt.AddDays(1) };
        await h.Publish(late);
        var consumed = await h.Harness.WaitConsumed<AlertReceived>(c => c.Context.Message.ReceivedAt == late.ReceivedAt);
        Assert.NotNull(consumed);
        Assert.Null(consumed.Exception);
        Assert.Single(h.Saga.Sagas.Select(_ => true).ToList());
        var after = await h.InState(id, h.Machine.Resolved);
        Assert.Equal((2, false), (after.AlertCount, after.IsOpen));
        Assert.Equal(IncidentStateMachine.RepeatReadAgain, Assert.Single(after.Timeline.Skip(entries)).Event);

        // A repeat with an id of its own is a new firing of the alert.
        Assert.NotEqual(id, await h.RaiseAlert(Samples.Alert()));
    }

    [Fact]
    public async Task An_incident_keeps_the_ids_of_its_newest_repeats_only()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);
        var ids = Enumerable.Range(0, IncidentStateMachine.MaxRecentAlertIds + 8).Select(_ => NewId.NextGuid()).ToList();
        foreach (var repeat in ids)
        {
            await h.Publish(new AlertReceived { IncidentId = repeat, Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        }

        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.AlertCount == ids.Count + 1), "the repeats did not attach");
        Assert.Equal(ids.TakeLast(IncidentStateMachine.MaxRecentAlertIds), h.Saga.Sagas.Contains(id)!.RecentAlertIds);
    }

    [Fact]
    public async Task A_resolved_incident_re_run_into_escalation_again_does_not_take_repeats_back_from_a_newer_incident()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);
        await Operate(h, new ResolveIncident { IncidentId = id, Actor = Alice, Note = "fixed by hand" });
        await h.InState(id, h.Machine.Resolved);
        var newer = await h.RaiseAlert(Samples.Alert());
        Assert.NotEqual(id, newer);

        await Operate(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Notification, Actor = Bob });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Attempt == 1 && m.Kind == NotificationKinds.Resolution);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.Timeline.Count(t => t.Event == "resolved") >= 1),
            "the re-run did not end");

        await Operate(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Investigation, Actor = Bob });
        await h.Publish(new IncidentInvestigated
        {
            IncidentId = id, Attempt = 1,
            Hypothesis = Samples.Hypothesis() with { Category = "unknown", Confidence = 0.2, SuspectVersion = null, Evidence = [] },
        });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Escalation && m.Attempt == 1
            && h.Saga.Sagas.Contains(id)!.CurrentState == h.Machine.Notifying.Name);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });

        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.False(incident.IsOpen);
        await h.Publish(new AlertReceived { IncidentId = NewId.NextGuid(), Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(newer)!.AlertCount == 2), "the repeat did not go to the newer incident");
        Assert.Equal(1, h.Saga.Sagas.Contains(id)!.AlertCount);
    }

    [Fact]
    public async Task A_failed_incident_can_be_resolved()
    {
        var workflow = IncidentWorkflow.Default with
        {
            Steps = new Dictionary<string, StepPolicy>(IncidentWorkflow.Default.Steps)
            {
                [IncidentSteps.Triage] = new(TimeSpan.FromSeconds(30), 1, ExhaustedPolicies.Fail),
            },
        };
        await using var h = await SagaHarness.Start(workflow);
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriageFailed { IncidentId = id, Attempt = 1, Reason = "classifier unavailable" });
        await h.InState(id, h.Machine.Failed);

        await Operate(h, new ResolveIncident { IncidentId = id, Actor = Alice, Note = "classified by hand: a false alarm" });

        var incident = await h.InState(id, h.Machine.Resolved);
        Assert.Equal("triage failed after 1 attempt(s): classifier unavailable", incident.FailureReason);
        Assert.Equal(Alice, Assert.Single(incident.Timeline, t => t.Event == "resolved by operator").Actor);
    }

    [Fact]
    public async Task Resolving_is_refused_while_a_step_is_in_flight_without_a_note_and_once_resolved()
    {
        await using var h = await SagaHarness.Start();
        var inFlight = await h.RaiseAlert(Samples.Alert("fp-in-flight"));
        var escalated = await Escalate(h);

        var running = await Refused(h, new ResolveIncident { IncidentId = inFlight, Actor = Alice, Note = "done" });
        var noNote = await Refused(h, new ResolveIncident { IncidentId = escalated, Actor = Alice, Note = " \n " });
        await Operate(h, new ResolveIncident { IncidentId = escalated, Actor = Alice, Note = "done" });
        var again = await Refused(h, new ResolveIncident { IncidentId = escalated, Actor = Bob, Note = "done too" });

        Assert.Equal("the incident is Triaging (triage attempt 1 in flight); wait until it has ended", running);
        Assert.Equal("a note saying what was done is required to resolve an incident", noNote);
        Assert.Equal("the incident is already Resolved; only an incident that ended Escalated or Failed needs resolving", again);
        await h.InState(inFlight, h.Machine.Triaging);
        Assert.Single(h.Sent<TriageIncident>(m => m.IncidentId == inFlight));
        var incident = await h.InState(escalated, h.Machine.Resolved);
        Assert.Equal([Alice, Bob], incident.Timeline.Where(t => t.Event == "operator command refused").Select(t => t.Actor));
        Assert.Single(Published<IncidentResolvedByOperator>(h, m => m.IncidentId == escalated));
    }

    [Fact]
    public async Task A_note_longer_than_the_saga_keeps_is_cut()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);

        await Operate(h, new ResolveIncident { IncidentId = id, Actor = Alice, Note = new string('x', 5000) });

        var detail = Assert.Single((await h.InState(id, h.Machine.Resolved)).Timeline, t => t.Event == "resolved by operator").Detail!;
        Assert.Equal(OperatorText.MaxNoteLength, detail.Length);
        Assert.EndsWith("x…", detail);
    }

    [Fact]
    public async Task An_escalated_incident_past_its_maximum_open_age_is_closed_by_the_system()
    {
        await using var h = await SagaHarness.Start();
        var id = await Escalate(h);
        var created = h.Saga.Sagas.Contains(id)!.CreatedAt;

        await h.Publish(new CloseStaleIncident { IncidentId = id, MaxOpenAge = TimeSpan.FromDays(7), AsOf = created.AddDays(8).AddHours(3) });

        var incident = await h.InState(id, h.Machine.Closed);
        Assert.False(incident.IsOpen);
        var entry = Assert.Single(incident.Timeline, t => t.Event == "closed: past maximum open age");
        Assert.Equal((IncidentSteps.Operator, "system:max-open-age"), (entry.Step, entry.Actor));
        Assert.StartsWith("escalated and open for 8d 3h since ", entry.Detail);
        Assert.Contains("past the maximum open age of escalated incidents (7d)", entry.Detail);
        var published = (await h.Harness.WaitPublished<IncidentResolvedByOperator>(p => p.Context.Message.IncidentId == id))!.Context.Message;
        Assert.Equal((IncidentStatuses.Closed, "system:max-open-age", entry.Detail), (published.Status, published.Actor, published.Note));
        Assert.NotEqual(id, await h.RaiseAlert(Samples.Alert()));
    }

    [Fact]
    public async Task A_close_for_an_incident_young_resolved_in_flight_or_no_longer_open_is_ignored()
    {
        await using var h = await SagaHarness.Start();
        var young = await Escalate(h, "fp-young");
        var resolved = await Escalate(h, "fp-resolved");
        await Operate(h, new ResolveIncident { IncidentId = resolved, Actor = Alice, Note = "fixed" });
        var sourceResolved = await Escalate(h, "fp-source-resolved");
        await h.Publish(new AlertStatusReported
        {
            EventId = NewId.NextGuid(), Fingerprint = "fp-source-resolved", Status = "resolved", Format = "generic", Summary = "ok again",
            ReceivedAt = DateTimeOffset.UtcNow,
        });
        Assert.True(await HarnessWaits.Eventually(() => !h.Saga.Sagas.Contains(sourceResolved)!.IsOpen), "the source's resolution was not recorded");
        var inFlight = await h.RaiseAlert(Samples.Alert("fp-in-flight"));
        var week = TimeSpan.FromDays(7);

        foreach (var (id, age) in new[] { (young, TimeSpan.FromDays(6)), (resolved, week * 2), (sourceResolved, week * 2), (inFlight, week * 2) })
        {
            var asOf = h.Saga.Sagas.Contains(id)!.CreatedAt + age;
            await h.Publish(new CloseStaleIncident { IncidentId = id, MaxOpenAge = week, AsOf = asOf });
            await h.Consumed<CloseStaleIncident>(m => m.IncidentId == id);
        }

        Assert.True((await h.InState(young, h.Machine.Escalated)).IsOpen);
        await h.InState(resolved, h.Machine.Resolved);
        await h.InState(sourceResolved, h.Machine.Escalated);
        await h.InState(inFlight, h.Machine.Triaging);
        Assert.All(new[] { young, resolved, sourceResolved, inFlight },
            id => Assert.DoesNotContain(h.Saga.Sagas.Contains(id)!.Timeline, t => t.Event == IncidentStateMachine.ClosedPastMaxOpenAge));
        Assert.Empty(Published<IncidentResolvedByOperator>(h, m => m.Status == IncidentStatuses.Closed));
    }

    [Fact]
    public async Task Acknowledge_resolve_and_close_for_an_unknown_incident()
    {
        await using var h = await SagaHarness.Start();
        var unknown = NewId.NextGuid();

        var acknowledge = await h.Harness.GetRequestClient<AcknowledgeIncident>().GetResponse<OperatorCommandAccepted, OperatorCommandRefused, IncidentNotFound>(
            new AcknowledgeIncident { IncidentId = unknown, Actor = Alice });
        var resolve = await h.Harness.GetRequestClient<ResolveIncident>().GetResponse<OperatorCommandAccepted, OperatorCommandRefused, IncidentNotFound>(
            new ResolveIncident { IncidentId = unknown, Actor = Alice, Note = "done" });
        await h.Publish(new CloseStaleIncident { IncidentId = unknown, MaxOpenAge = TimeSpan.FromDays(7), AsOf = DateTimeOffset.UtcNow });
        await h.Consumed<CloseStaleIncident>(m => m.IncidentId == unknown);

        Assert.True(acknowledge.Is(out Response<IncidentNotFound>? _));
        Assert.True(resolve.Is(out Response<IncidentNotFound>? _));
        Assert.Null(h.Saga.Sagas.Contains(unknown));
    }

    /// <summary>The messages of type <typeparamref name="T"/> published so far that match (no waiting).</summary>
    private static List<T> Published<T>(SagaHarness h, Func<T, bool> filter)
        where T : class =>
        h.Harness.Published.Select<T>(p => filter(p.Context.Message), new CancellationToken(canceled: true)).Select(p => p.Context.Message).ToList();

    /// <summary>An incident that escalated (the investigation was not confident enough) and paged a human.</summary>
    internal static async Task<Guid> Escalate(SagaHarness h, string fingerprint = "fp-auth-errors")
    {
        var id = await ToInvestigating(h, fingerprint);
        await h.Publish(new IncidentInvestigated
        {
            IncidentId = id, Attempt = 1,
            Hypothesis = Samples.Hypothesis() with { Category = "unknown", Confidence = 0.2, SuspectVersion = null, Evidence = [] },
        });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Escalation);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        Assert.True((await h.InState(id, h.Machine.Escalated)).IsOpen);
        return id;
    }

    private static async Task<Guid> ToInvestigating(SagaHarness h, string fingerprint = "fp-auth-errors")
    {
        var id = await h.RaiseAlert(Samples.Alert(fingerprint));
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        return id;
    }
}

using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Workflows;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>The awaited step's deadline: kept through resumes, and what happens when its timeout never arrives (the overdue sweep).</summary>
public sealed class StepDeadlineTests
{
    private static readonly TimeSpan TriageTimeout = IncidentWorkflow.Default.Step(IncidentSteps.Triage).Timeout;

    [Fact]
    public async Task A_resume_keeps_the_deadline_and_an_overdue_step_times_out_and_is_retried_under_a_new_one()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 1);
        var dispatched = h.Saga.Sagas.Contains(id)!;
        var deadline = Assert.IsType<DateTimeOffset>(dispatched.StepDeadline);
        Assert.InRange(deadline - dispatched.StepStartedAt, TriageTimeout, TriageTimeout + TimeSpan.FromSeconds(1));

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });
        await h.WaitSentCount<TriageIncident>(2, m => m.IncidentId == id && m.Attempt == 1);
        var resumed = await Until(h, id, i => i.Timeline.Any(t => t.Event == "resumed"));
        Assert.Equal(deadline, resumed.StepDeadline);
        Assert.Contains($"still due by {deadline:HH:mm:ss} UTC", resumed.Timeline.Single(t => t.Event == "resumed").Detail);

        await h.Publish(new StepOverdue { IncidentId = id, Step = IncidentSteps.Triage, Attempt = 1, Reason = "fired by the test's sweep" });
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);
        var retried = await Until(h, id, i => i.StepAttempt == 2);
        var failed = retried.Timeline.Single(t => t.Event == "step failed" && t.Attempt == 1);
        Assert.Contains($"no reply within 30s (deadline {deadline:HH:mm:ss} UTC passed; fired by the test's sweep)", failed.Detail);
        Assert.True(retried.StepDeadline > deadline, "the retry runs under a deadline of its own");

        // The sweep's message for the attempt that already timed out, arriving late, changes nothing.
        var entries = retried.Timeline.Count;
        await h.Publish(new StepOverdue { IncidentId = id, Step = IncidentSteps.Triage, Attempt = 1, Reason = "late" });
        await h.Consumed<StepOverdue>(m => m.IncidentId == id && m.Reason == "late");
        Assert.Equal(entries, h.Saga.Sagas.Contains(id)!.Timeline.Count);
        Assert.Empty(h.Sent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 3));
    }

    [Fact]
    public async Task A_resume_after_the_deadline_times_the_step_out_instead_of_sending_it_again()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 1);

        // Only the saga's clock moves: the scheduled timeout stays pending, as one lost with a crash would never come.
        h.Clock.Advance(TriageTimeout + TimeSpan.FromSeconds(5));
        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });

        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.Single(h.Sent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 1));
        var incident = await Until(h, id, i => i.StepAttempt == 2);
        Assert.Contains("found when the orchestrator restarted (test restart)", incident.Timeline.Single(t => t.Event == "step failed").Detail);
        Assert.DoesNotContain(incident.Timeline, t => t.Event == "resumed");
    }

    [Fact]
    public async Task An_ended_incident_has_no_deadline_and_ignores_the_sweep()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.LowPriority) });
        var closed = await h.InState(id, h.Machine.Closed);
        Assert.Null(closed.StepDeadline);

        await h.Publish(new StepOverdue { IncidentId = id, Step = IncidentSteps.Notification, Attempt = 1, Reason = "after the end" });
        await h.Consumed<StepOverdue>(m => m.IncidentId == id);
        Assert.Single(h.Sent<NotifyIncident>(m => m.IncidentId == id));
        Assert.Equal(IncidentStatuses.Closed, h.Saga.Sagas.Contains(id)!.CurrentState);
    }

    private static async Task<IncidentState> Until(SagaHarness h, Guid id, Func<IncidentState, bool> condition)
    {
        IncidentState? incident = null;
        Assert.True(await HarnessWaits.Eventually(() => (incident = h.Saga.Sagas.Contains(id)) is { } found && condition(found)),
            $"incident {id} did not reach the expected state");
        return incident!;
    }
}

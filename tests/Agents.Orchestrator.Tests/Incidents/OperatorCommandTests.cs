using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using MassTransit;

namespace Agents.Orchestrator.Tests.Incidents;

public sealed class OperatorCommandTests
{
    [Theory]
    [InlineData(IncidentSteps.Triage)]
    [InlineData(IncidentSteps.Context)]
    [InlineData(IncidentSteps.Investigation)]
    [InlineData(IncidentSteps.Remediation)]
    [InlineData(IncidentSteps.Notification)]
    public async Task Rerun_clears_the_segments_from_the_step_on_and_runs_the_workflow_again(string fromStep)
    {
        await using var h = await SagaHarness.Start();
        var id = await Resolve(h);

        var answer = await Operate<RerunIncident>(h, new RerunIncident { IncidentId = id, FromStep = fromStep });

        Assert.Contains($"re-running from {fromStep}", answer);
        var incident = await h.InState(id, StateOf(h, fromStep));
        var cleared = IncidentSegments.All.SkipWhile(s => IncidentSegments.OwnerStep(s) != fromStep).ToList();
        Assert.All(cleared, s => Assert.Null(Value(incident, s)));
        Assert.All(IncidentSegments.All.Except(cleared), s => Assert.NotNull(Value(incident, s)));
        Assert.All(cleared, s => Assert.Equal("cleared by a re-run", incident.Revisions.Last(r => r.Segment == s).Change));
        // The verification of the cleared remediation goes with it; a re-run of the notification keeps it.
        var remediatesAgain = cleared.Contains(IncidentSegments.Remediation);
        Assert.Equal(remediatesAgain ? null : VerificationStatuses.Verified, incident.Verification?.Status);

        // The re-run goes through to the end again, each step with attempt 1 but remediation, whose attempts are never reused.
        await FinishFrom(h, id, fromStep);
        incident = await h.InState(id, h.Machine.Resolved);
        Assert.All(IncidentSegments.All, s => Assert.NotNull(Value(incident, s)));
        Assert.Equal(3, incident.Revisions.Count(r => r.Segment == IncidentSegments.Notifications));
        Assert.Equal(VerificationStatuses.Verified, incident.Verification!.Status);
        Assert.Equal(remediatesAgain ? [1, 2] : [1], h.Sent<RemediateIncident>(m => m.IncidentId == id).Select(m => m.Attempt));
    }

    [Fact]
    public async Task Rollback_restores_the_previous_value_of_one_segment_and_leaves_the_others()
    {
        await using var h = await SagaHarness.Start();
        var id = await Resolve(h);
        await Operate<RerunIncident>(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Investigation });
        await FinishFrom(h, id, IncidentSteps.Investigation, Samples.Hypothesis(confidence: 0.75));
        var before = await h.InState(id, h.Machine.Resolved);
        Assert.Equal(0.75, before.Hypothesis!.Confidence);

        var answer = await Operate<RollbackSegment>(h, new RollbackSegment { IncidentId = id, Segment = IncidentSegments.Hypothesis });

        Assert.Contains("hypothesis restored to version 1 (as version 4)", answer);
        var after = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(0.9, after.Hypothesis!.Confidence);
        Assert.Equal(before.Remediation, after.Remediation);
        Assert.Equal(before.Context, after.Context);
        Assert.Equal(IncidentStatuses.Resolved, after.CurrentState);
        Assert.Equal(4, after.Revisions.Last(r => r.Segment == IncidentSegments.Hypothesis).Version);
        Assert.Contains(after.Timeline, t => t.Event == "segment rolled back" && t.Segment == IncidentSegments.Hypothesis && t.SegmentVersion == 4);
    }

    [Fact]
    public async Task A_segment_keeps_its_first_version_and_its_newest_ones_however_often_it_is_rolled_back()
    {
        await using var h = await SagaHarness.Start();
        var id = await Resolve(h);
        await Operate<RerunIncident>(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Investigation });
        await FinishFrom(h, id, IncidentSteps.Investigation, Samples.Hypothesis(confidence: 0.75));
        await h.InState(id, h.Machine.Resolved);

        // Versions 1 to 3 so far (written, cleared by the re-run, written again); each rollback makes one more.
        for (var version = 4; version <= 28; version++)
        {
            Assert.Contains($"(as version {version})", await Operate<RollbackSegment>(h, new RollbackSegment { IncidentId = id, Segment = IncidentSegments.Hypothesis }));
        }

        var incident = h.Saga.Sagas.Contains(id)!;
        var kept = incident.Revisions.Where(r => r.Segment == IncidentSegments.Hypothesis).Select(r => r.Version).ToList();
        Assert.Equal([1, .. Enumerable.Range(28 - IncidentStateMachine.MaxVersionsPerSegment + 2, IncidentStateMachine.MaxVersionsPerSegment - 1)], kept);
        Assert.Equal(0.9, incident.Hypothesis!.Confidence); // version 4 restored version 1; each later one, the one before it
        Assert.Equal(1, incident.Revisions.Count(r => r.Segment == IncidentSegments.Context)); // the other segments are untouched
    }

    [Fact]
    public async Task Operator_commands_are_refused_while_a_step_is_in_flight()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        var rollback = await Refused<RollbackSegment>(h, new RollbackSegment { IncidentId = id, Segment = IncidentSegments.Alert });
        var rerun = await Refused<RerunIncident>(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Triage });

        Assert.Contains("triage attempt 1 in flight", rollback);
        Assert.Contains("triage attempt 1 in flight", rerun);
        Assert.Single(h.Sent<TriageIncident>(m => m.IncidentId == id));
        Assert.Equal(2, h.Saga.Sagas.Contains(id)!.Timeline.Count(t => t.Event == "operator command refused"));
    }

    [Fact]
    public async Task Rollback_without_an_earlier_version_and_rerun_without_its_input_are_refused()
    {
        await using var h = await SagaHarness.Start();
        var id = await Resolve(h);

        var rollback = await Refused<RollbackSegment>(h, new RollbackSegment { IncidentId = id, Segment = IncidentSegments.Context });

        Assert.Contains("no earlier version", rollback);
        var low = await h.RaiseAlert(Samples.Alert("fp-low"));
        await h.Publish(new IncidentTriaged { IncidentId = low, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == low);
        await h.Publish(new IncidentNotified { IncidentId = low, Attempt = 1, Notification = Samples.Notification(NotificationKinds.LowPriority) });
        await h.InState(low, h.Machine.Closed);
        var rerun = await Refused<RerunIncident>(h, new RerunIncident { IncidentId = low, FromStep = IncidentSteps.Remediation });
        Assert.Contains("no hypothesis segment", rerun);
    }

    [Fact]
    public async Task The_actor_of_a_rerun_a_rollback_and_a_refusal_is_recorded_in_the_timeline()
    {
        await using var h = await SagaHarness.Start();
        var id = await Resolve(h);

        await Operate(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Investigation, Actor = "oidc:alice@example.com" });
        await Refused(h, new RollbackSegment { IncidentId = id, Segment = IncidentSegments.Hypothesis, Actor = "apikey:deploy-bot" });
        await FinishFrom(h, id, IncidentSteps.Investigation, Samples.Hypothesis(confidence: 0.75));
        await h.InState(id, h.Machine.Resolved);
        await Operate(h, new RollbackSegment { IncidentId = id, Segment = IncidentSegments.Hypothesis, Actor = "oidc:bob@example.com" });
        await Refused(h, new RerunIncident { IncidentId = id, FromStep = "nowhere" }); // an older sender: no actor

        var timeline = h.Saga.Sagas.Contains(id)!.Timeline;
        Assert.Equal("oidc:alice@example.com", Assert.Single(timeline, t => t.Event == "re-run requested").Actor);
        Assert.Equal("oidc:bob@example.com", Assert.Single(timeline, t => t.Event == "segment rolled back").Actor);
        Assert.Equal(["apikey:deploy-bot", null], timeline.Where(t => t.Event == "operator command refused").Select(t => t.Actor));
        Assert.All(timeline.Where(t => t.Step != IncidentSteps.Operator), t => Assert.Null(t.Actor));
    }

    [Fact]
    public async Task Operator_command_for_an_unknown_incident_is_answered_not_found()
    {
        await using var h = await SagaHarness.Start();
        var client = h.Harness.GetRequestClient<RerunIncident>();

        var response = await client.GetResponse<OperatorCommandAccepted, OperatorCommandRefused, IncidentNotFound>(
            new RerunIncident { IncidentId = NewId.NextGuid(), FromStep = IncidentSteps.Triage });

        Assert.True(response.Is(out Response<IncidentNotFound>? _));
    }

    internal static async Task<Guid> Resolve(SagaHarness h)
    {
        var id = await h.RaiseAlert();
        await FinishFrom(h, id, IncidentSteps.Triage);
        await h.InState(id, h.Machine.Resolved);
        return id;
    }

    /// <summary>Answers every step from <paramref name="fromStep"/> on (attempt 1) as its agent would.</summary>
    internal static async Task FinishFrom(SagaHarness h, Guid id, string fromStep, Hypothesis? hypothesis = null)
    {
        foreach (var step in IncidentSteps.Agents.SkipWhile(s => s != fromStep))
        {
            await h.InState(id, StateOf(h, step));
            object reply = step switch
            {
                IncidentSteps.Triage => new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() },
                IncidentSteps.Context => new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() },
                IncidentSteps.Investigation => new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = hypothesis ?? Samples.Hypothesis() },
                // Remediation attempts are never reused: a re-run's remediation is the incident's next one.
                IncidentSteps.Remediation => new IncidentRemediated
                {
                    IncidentId = id, Attempt = h.Saga.Sagas.Contains(id)!.StepAttempt, Result = Samples.Executed(),
                },
                _ => new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) },
            };
            await h.Harness.Bus.Publish(reply);
            if (step == IncidentSteps.Remediation)
            {
                // The action was executed: the incident resolves only once the verification says it worked.
                await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
            }
        }
    }

    internal static State StateOf(SagaHarness h, string step) => step switch
    {
        IncidentSteps.Triage => h.Machine.Triaging,
        IncidentSteps.Context => h.Machine.CollectingContext,
        IncidentSteps.Investigation => h.Machine.Investigating,
        IncidentSteps.Remediation => h.Machine.Remediating,
        _ => h.Machine.Notifying,
    };

    private static object? Value(IncidentState incident, string segment) => segment switch
    {
        IncidentSegments.Alert => incident.Triage,
        IncidentSegments.Context => incident.Context,
        IncidentSegments.Hypothesis => incident.Hypothesis,
        IncidentSegments.Remediation => incident.Remediation,
        _ => incident.Notifications.Count == 0 ? null : incident.Notifications,
    };

    internal static async Task<string> Operate<T>(SagaHarness h, T command)
        where T : class
    {
        var response = await h.Harness.GetRequestClient<T>().GetResponse<OperatorCommandAccepted, OperatorCommandRefused>(command);
        Assert.True(response.Is(out Response<OperatorCommandAccepted>? accepted), "refused: " + (response.Message as OperatorCommandRefused)?.Reason);
        return accepted!.Message.Detail;
    }

    internal static async Task<string> Refused<T>(SagaHarness h, T command)
        where T : class
    {
        var response = await h.Harness.GetRequestClient<T>().GetResponse<OperatorCommandAccepted, OperatorCommandRefused>(command);
        Assert.True(response.Is(out Response<OperatorCommandRefused>? refused), "accepted: " + (response.Message as OperatorCommandAccepted)?.Detail);
        return refused!.Message.Reason;
    }
}

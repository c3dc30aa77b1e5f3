using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using MassTransit;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>
/// What a remediation's answer leads to in the saga: an executed action is verified (the verification query checked by
/// the remediation agent, or the source's resolved signal) before the incident is called resolved, and escalates as
/// "remediation ineffective" without that evidence; a dry run or a blocked action escalates saying a human must act. The
/// remediation command carries what makes it safe to deliver twice: a never reused attempt, a not-after time, the fingerprint.
/// </summary>
public sealed class RemediationExecutionTests
{
    /// <summary>Checked every minute, within 3 minutes: two checks, then the deadline.</summary>
    private static readonly RemediationVerification Quick = Samples.ErrorRatio with
    {
        Every = TimeSpan.FromMinutes(1),
        Within = TimeSpan.FromMinutes(3),
    };

    /// <summary>No verification query: only the source's resolved signal, within 10 minutes.</summary>
    private static readonly RemediationVerification SignalOnly = new() { Within = TimeSpan.FromMinutes(10) };

    [Fact]
    public async Task An_executed_action_is_verified_by_a_check_and_only_then_resolves_with_the_verification_record()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        var executed = Samples.Executed();

        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = executed });

        var verifying = await h.InState(id, h.Machine.Verifying);
        Assert.Equal((IncidentSteps.Verification, 0), (verifying.CurrentStep, verifying.StepAttempt));
        Assert.Equivalent(executed, verifying.Remediation, strict: true);
        var record = verifying.Verification!;
        Assert.Equal((VerificationStatuses.Pending, Samples.ErrorRatio, executed.ExecutedAt!.Value), (record.Status, record.Spec, record.ExecutedAt));
        Assert.Equal(record.StartedAt + TimeSpan.FromMinutes(10), record.Deadline);
        var waiting = Assert.Single(verifying.Timeline, t => t.Event == "verifying");
        Assert.StartsWith("waiting up to 10m for evidence that rollback worked: the source reports resolved, or sum(rate(", waiting.Detail);
        Assert.EndsWith("below 0.01 for 5m (checked every 30s)", waiting.Detail);
        // The first check goes out at the first tick, not before.
        await h.WaitAwaited(id, IncidentSteps.Verification, 0);
        Assert.Empty(h.SentNow<CheckRemediation>());

        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 0, TimeSpan.FromSeconds(31));
        var check = await h.WaitSent<CheckRemediation>(m => m.IncidentId == id);
        Assert.Equal((1, "auth-service", Samples.ErrorRatio, executed.ExecutedAt.Value), (check.Attempt, check.Service, check.Verification, check.ExecutedAt));
        var sent = await h.Harness.WaitSent<CheckRemediation>(s => s.Context.Message.IncidentId == id);
        Assert.EndsWith($"/{AgentQueues.Remediation}", sent!.Context.DestinationAddress!.AbsolutePath, StringComparison.Ordinal);
        await h.Publish(new RemediationChecked
        {
            IncidentId = id, Attempt = 1, Verified = true, Detail = "error ratio max 0.004 below 0.01 for 5m since the action", Value = 0.004,
        });

        await h.InState(id, h.Machine.Notifying);
        var resolution = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        Assert.Equal((NotificationKinds.Resolution, IncidentStatuses.Resolved), (resolution.Kind, resolution.Incident.Status));
        Assert.Equal(VerificationStatuses.Verified, resolution.Incident.Verification!.Status);
        Assert.Null(resolution.Reason);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });

        var incident = await h.InState(id, h.Machine.Resolved);
        var verified = incident.Verification!;
        Assert.Equal((VerificationStatuses.Verified, 1, 0.004), (verified.Status, verified.Checks, verified.Value));
        Assert.Equal("error ratio max 0.004 below 0.01 for 5m since the action", verified.Detail);
        Assert.NotNull(verified.ConcludedAt);
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Verification && t.Event == "remediation verified" && t.Detail == verified.Detail);
        Assert.Null(incident.EscalationReason);
        Assert.False(incident.IsOpen);
    }

    [Fact]
    public async Task Checks_that_never_verify_escalate_at_the_deadline_as_remediation_ineffective_with_the_measured_values()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed(Quick) });
        await h.InState(id, h.Machine.Verifying);

        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 0, TimeSpan.FromSeconds(61));
        await h.WaitSent<CheckRemediation>(m => m.IncidentId == id && m.Attempt == 1);
        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 1, Verified = false, Detail = "error ratio max 0.21, not below 0.01", Value = 0.21 });
        // Not verified yet: the values are kept and the incident goes on waiting.
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.Verification!.Checks == 1), "the check was not recorded");
        var still = await h.InState(id, h.Machine.Verifying);
        Assert.Equal((VerificationStatuses.Pending, 0.21, "error ratio max 0.21, not below 0.01"), (still.Verification!.Status, still.Verification.Value, still.Verification.Detail));

        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 1, TimeSpan.FromSeconds(61));
        await h.WaitSent<CheckRemediation>(m => m.IncidentId == id && m.Attempt == 2);
        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 2, Verified = false, Detail = "error ratio max 0.18, not below 0.01", Value = 0.18 });
        Assert.True(await HarnessWaits.Eventually(() => h.Saga.Sagas.Contains(id)!.Verification!.Checks == 2), "the second check was not recorded");

        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 2, TimeSpan.FromSeconds(61));

        var escalating = await h.InState(id, h.Machine.Notifying);
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Equal("remediation ineffective: no evidence within 3m that rollback worked: error ratio max 0.18, not below 0.01", page.Reason);
        Assert.StartsWith(IncidentStateMachine.RemediationIneffective, escalating.EscalationReason);
        Assert.Equal((VerificationStatuses.Ineffective, 2, 0.18), (escalating.Verification!.Status, escalating.Verification.Checks, escalating.Verification.Value));
        Assert.Equal(IncidentSteps.Verification, page.Step);
        // The deadline sends no third check, and a late answer changes nothing.
        Assert.Equal([1, 2], h.SentNow<CheckRemediation>(m => m.IncidentId == id).Select(m => m.Attempt));
        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 2, Verified = true, Detail = "late", Value = 0.001 });
        await h.Consumed<RemediationChecked>(m => m.IncidentId == id && m.Detail == "late");
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.Equal(VerificationStatuses.Ineffective, incident.Verification!.Status);
        Assert.True(incident.IsOpen);
    }

    [Fact]
    public async Task The_source_resolving_while_verifying_resolves_the_incident()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.InState(id, h.Machine.Verifying);

        await h.Publish(Resolved("fp-auth-errors", "auth-service error rate back to normal"));

        var notifying = await h.InState(id, h.Machine.Notifying);
        Assert.Equal(NotificationKinds.Resolution, notifying.NotificationKind);
        Assert.Equal(VerificationStatuses.Verified, notifying.Verification!.Status);
        Assert.Equal("the source reported the alert resolved after the action: auth-service error rate back to normal", notifying.Verification.Detail);
        Assert.Equal(0, notifying.Verification.Checks);
        Assert.True(notifying.SourceResolved);
        Assert.Empty(h.SentNow<CheckRemediation>());
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });
        Assert.False((await h.InState(id, h.Machine.Resolved)).IsOpen);
    }

    [Fact]
    public async Task Without_a_query_no_check_is_sent_the_resolved_signal_verifies_and_the_deadline_escalates()
    {
        await using var h = await SagaHarness.Start();
        var signalled = await ToRemediating(h, "fp-signalled");
        var silent = await ToRemediating(h, "fp-silent");
        await h.Publish(new IncidentRemediated { IncidentId = signalled, Attempt = 1, Result = Samples.Executed(SignalOnly) });
        await h.Publish(new IncidentRemediated { IncidentId = silent, Attempt = 1, Result = Samples.Executed(SignalOnly) });
        var waiting = await h.InState(silent, h.Machine.Verifying);
        Assert.EndsWith("the source reports resolved (the service catalog names no verification query)", Assert.Single(waiting.Timeline, t => t.Event == "verifying").Detail);
        await h.InState(signalled, h.Machine.Verifying);

        await h.Publish(Resolved("fp-signalled", "resolved"));
        await h.InState(signalled, h.Machine.Notifying);
        Assert.Equal(VerificationStatuses.Verified, h.Saga.Sagas.Contains(signalled)!.Verification!.Status);

        // Without a query the only tick is the deadline.
        await h.AdvancePastTimeout(silent, IncidentSteps.Verification, 0, TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var escalating = await h.InState(silent, h.Machine.Notifying);
        Assert.Equal("remediation ineffective: no evidence within 10m that rollback worked: the source did not report resolved", escalating.EscalationReason);
        Assert.Equal(VerificationStatuses.Ineffective, escalating.Verification!.Status);
        Assert.Empty(h.Sent<CheckRemediation>());
    }

    [Fact]
    public async Task A_dry_run_escalates_saying_a_human_must_act_and_keeps_the_remediation_segment()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);

        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Remediation() });

        var escalating = await h.InState(id, h.Machine.Notifying);
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        const string reason = "human action required: dry run of rollback, nothing was executed (the service's remediation mode is dry-run). "
            + "To do by hand: roll back auth-service to v7.4.1.";
        Assert.Equal((NotificationKinds.Escalation, reason), (page.Kind, page.Reason));
        Assert.Equal((IncidentStatuses.Escalated, "rollback"), (page.Incident.Status, page.Incident.Remediation?.ActionId));
        Assert.Equivalent(Samples.Remediation(), escalating.Remediation, strict: true);
        Assert.Null(escalating.Verification);
        var revision = Assert.Single(escalating.Revisions, r => r.Segment == IncidentSegments.Remediation);
        Assert.Equal((1, "written"), (revision.Version, revision.Change));
        Assert.Contains(escalating.Timeline, t => t.Event == "remediation segment written" && t.Detail == "rollback (dry-run): dry-run: 1 steps recorded, nothing executed");
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.True(incident.IsOpen);
        Assert.Equal(reason, incident.EscalationReason);
        Assert.Empty(h.Sent<CheckRemediation>());
    }

    [Fact]
    public async Task A_blocked_action_escalates_naming_the_control()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);

        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Blocked() });

        var escalating = await h.InState(id, h.Machine.Notifying);
        Assert.Equal("human action required: rollback on kubernetes prod/auth-service deployment/auth-service not executed: "
            + "cooldown: deployment/auth-service was rolled back 3m ago (cooldown 5m). To do by hand: roll back auth-service to v7.4.1.",
            (await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Escalation)).Reason);
        Assert.Equal(RemediationExecutions.Blocked, escalating.Remediation!.Execution);
        Assert.Null(escalating.Verification);
    }

    [Fact]
    public async Task The_remediation_command_carries_the_fingerprint_and_a_not_after_of_the_steps_timeout()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigated(h);
        var before = h.Clock.GetUtcNow();

        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });

        var command = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);
        var after = h.Clock.GetUtcNow();
        var timeout = Agents.Orchestrator.Workflows.IncidentWorkflow.Default.Step(IncidentSteps.Remediation).Timeout;
        var dispatched = Assert.Single(h.Saga.Sagas.Contains(id)!.Timeline, t => t.Step == IncidentSteps.Remediation && t.Event == "dispatched").At;
        Assert.Equal(dispatched + timeout, command.NotAfter!.Value, TimeSpan.FromSeconds(1));
        Assert.InRange(command.NotAfter.Value, before + timeout, after + timeout);
        Assert.Equal(("fp-auth-errors", 1, false, null), (command.Fingerprint, command.Attempt, command.RequireApproval, command.Approved));
    }

    [Fact]
    public async Task A_resumed_remediation_command_is_sent_again_under_the_steps_deadline()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        var deadline = await h.WaitAwaited(id, IncidentSteps.Remediation, 1);
        Assert.False(await h.AdvanceAndSweep(id, IncidentSteps.Remediation, 1, TimeSpan.FromSeconds(20)));

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });

        // Not twenty seconds later than the first: acting after the sweep timed the step out could act twice.
        var again = await h.WaitSentCount<RemediateIncident>(2, m => m.IncidentId == id);
        Assert.Equal((1, deadline), (again.Attempt, again.NotAfter!.Value));
    }

    [Fact]
    public async Task A_rerun_from_remediation_dispatches_a_new_higher_attempt_and_a_reply_to_the_old_one_is_ignored()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        await h.Publish(new IncidentRemediationFailed { IncidentId = id, Attempt = 1, Reason = "kubectl refused" });
        await h.InState(id, h.Machine.Notifying);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        await h.InState(id, h.Machine.Escalated);

        await OperatorCommandTests.Operate(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Remediation, Actor = "apikey:oncall" });

        var again = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        var remediating = await h.InState(id, h.Machine.Remediating);
        Assert.Equal((IncidentSteps.Remediation, 2, 2), (remediating.CurrentStep, remediating.StepAttempt, remediating.RemediationAttempts));
        Assert.True(again.NotAfter > h.SentNow<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 1).Single().NotAfter);
        // A duplicate of the first attempt's reply (a redelivery) is not taken for the new attempt's.
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.Consumed<IncidentRemediated>(m => m.IncidentId == id && m.Attempt == 1);
        var still = await h.InState(id, h.Machine.Remediating);
        Assert.Contains(still.Timeline, t => t.Event == "late reply ignored" && t.Step == IncidentSteps.Remediation && t.Attempt == 1);
        Assert.Null(still.Remediation);

        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 2, Result = Samples.Executed() });
        await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });
        await h.InState(id, h.Machine.Resolved);

        // A re-run from earlier reaches remediation with the next attempt again.
        await OperatorCommandTests.Operate(h, new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Investigation });
        await OperatorCommandTests.FinishFrom(h, id, IncidentSteps.Investigation);
        await h.InState(id, h.Machine.Resolved);
        Assert.Equal([1, 2, 3], h.Sent<RemediateIncident>(m => m.IncidentId == id).Select(m => m.Attempt));
    }

    [Fact]
    public async Task A_resume_while_verifying_sends_the_awaited_check_again()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.InState(id, h.Machine.Verifying);
        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 0, TimeSpan.FromSeconds(31));
        var first = await h.WaitSent<CheckRemediation>(m => m.IncidentId == id && m.Attempt == 1);

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });

        var second = await h.WaitSentCount<CheckRemediation>(2, m => m.IncidentId == id);
        Assert.Equal(first, second);
        var resumed = await h.InState(id, h.Machine.Verifying);
        Assert.Contains(resumed.Timeline, t => t.Step == IncidentSteps.Verification && t.Attempt == 1 && t.Event == "resumed");
        Assert.Empty(h.SentNow<RemediateIncident>(m => m.IncidentId == id && m.Attempt > 1));
        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 1, Verified = true, Detail = "error ratio max 0.003 below 0.01 for 5m" });
        await h.InState(id, h.Machine.Notifying);
    }

    [Fact]
    public async Task A_late_check_of_an_older_attempt_or_of_no_check_at_all_is_ignored()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.InState(id, h.Machine.Verifying);

        // Before any check went out, an answer "to attempt 0" answers nothing.
        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 0, Verified = true, Detail = "bogus" });
        await h.Consumed<RemediationChecked>(m => m.IncidentId == id && m.Attempt == 0);
        Assert.Equal(VerificationStatuses.Pending, (await h.InState(id, h.Machine.Verifying)).Verification!.Status);

        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 0, TimeSpan.FromSeconds(31));
        await h.WaitSent<CheckRemediation>(m => m.IncidentId == id && m.Attempt == 1);
        await h.AdvancePastTimeout(id, IncidentSteps.Verification, 1, TimeSpan.FromSeconds(31));
        await h.WaitSent<CheckRemediation>(m => m.IncidentId == id && m.Attempt == 2);

        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 1, Verified = true, Detail = "late: error ratio 0.002" });
        await h.Consumed<RemediationChecked>(m => m.IncidentId == id && m.Attempt == 1);

        var still = await h.InState(id, h.Machine.Verifying);
        Assert.Equal((VerificationStatuses.Pending, 0), (still.Verification!.Status, still.Verification.Checks));
        Assert.Equal([0, 1], still.Timeline.Where(t => t.Event == "late reply ignored" && t.Step == IncidentSteps.Verification).Select(t => t.Attempt));
        Assert.Contains(still.Timeline, t => t.Event == "late reply ignored" && t.Detail!.StartsWith("RemediationChecked for verification attempt 1 ignored", StringComparison.Ordinal));

        await h.Publish(new RemediationChecked { IncidentId = id, Attempt = 2, Verified = true, Detail = "error ratio max 0.002 below 0.01 for 5m" });
        var notifying = await h.InState(id, h.Machine.Notifying);
        Assert.Equal(("error ratio max 0.002 below 0.01 for 5m", 1), (notifying.Verification!.Detail, notifying.Verification.Checks));
    }

    internal static AlertStatusReported Resolved(string fingerprint, string summary) => new()
    {
        EventId = NewId.NextGuid(), Fingerprint = fingerprint, Status = "resolved", Format = "generic", Summary = summary, ReceivedAt = DateTimeOffset.UtcNow,
    };

    internal static async Task<Guid> ToInvestigated(SagaHarness h, string fingerprint = "fp-auth-errors")
    {
        var id = await h.RaiseAlert(Samples.Alert(fingerprint));
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        return id;
    }

    internal static async Task<Guid> ToRemediating(SagaHarness h, string fingerprint = "fp-auth-errors")
    {
        var id = await ToInvestigated(h, fingerprint);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });
        await h.InState(id, h.Machine.Remediating);
        await h.WaitSent<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 1);
        return id;
    }
}

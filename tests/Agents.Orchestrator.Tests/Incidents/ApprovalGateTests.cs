using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Queries;
using Agents.Orchestrator.Workflows;
using MassTransit;
using MassTransit.Testing;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>The optional approval gate before remediation (<c>approval:</c> of the workflow).</summary>
public sealed class ApprovalGateTests
{
    private static readonly DeliberationPolicy Policy = new()
    {
        Kind = RemediationApproval.Kind,
        Participants = Participants.IncidentApproval,
        Threshold = 2,
        MaxRounds = 3,
        RoundTimeout = TimeSpan.FromSeconds(30),
        Decisions = [RemediationApproval.Approve, RemediationApproval.Deny],
    };

    private static readonly IncidentWorkflow Gated = IncidentWorkflow.Default with { Approval = Policy };

    /// <summary>3 rounds of 30s and the margin.</summary>
    private static readonly TimeSpan Backstop = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Without_the_gate_remediation_is_dispatched_right_after_the_investigation()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigated(h);

        await h.InState(id, h.Machine.Remediating);

        Assert.Empty(h.Sent<StartDeliberation>());
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Null(incident.Approval);
        Assert.Null(incident.ApprovalDeliberationId);
        Assert.DoesNotContain(incident.Timeline, t => t.Step == IncidentSteps.Approval);
    }

    [Fact]
    public async Task With_the_gate_remediation_waits_for_the_deliberation_and_runs_once_approved()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToInvestigated(h);

        var waiting = await h.InState(id, h.Machine.AwaitingApproval);
        var request = await h.WaitSent<StartDeliberation>(m => m.Subject.GetProperty("incidentId").GetGuid() == id);
        Assert.Equal(IncidentSteps.Approval, waiting.CurrentStep);
        Assert.Equal(RemediationApproval.DeliberationId(id, 1), request.DeliberationId);
        Assert.Equal(request.DeliberationId, waiting.ApprovalDeliberationId);
        Assert.Equal(RemediationApproval.Kind, request.Kind);
        Assert.Null(request.RequestedBy);
        Assert.DoesNotContain('\n', request.Summary);
        Assert.Contains("auth-service", request.Summary);
        Assert.Equal("auth-service", request.Subject.GetProperty("service").GetString());
        Assert.Equal(Severities.Critical, request.Subject.GetProperty("severity").GetString());
        Assert.Equal("v7.4.2", request.Subject.GetProperty("hypothesis").GetProperty("suspectVersion").GetString());
        var sent = await h.Harness.WaitSent<StartDeliberation>(s => s.Context.Message.DeliberationId == request.DeliberationId);
        Assert.NotNull(sent);
        Assert.EndsWith($"/{AgentQueues.Deliberation}", sent.Context.DestinationAddress!.AbsolutePath, StringComparison.Ordinal);
        Assert.DoesNotContain(waiting.Timeline, t => t.Step == IncidentSteps.Remediation);
        Assert.Equal(RemediationApprovalStatuses.Pending, waiting.Approval!.Status);
        Assert.Equal(Backstop, waiting.Approval.Timeout);

        await h.Publish(Concluded(request.DeliberationId, DeliberationOutcomes.Decided, RemediationApproval.Approve,
            Stance(Participants.Safety, "approve", "a rollback is reversible"),
            Stance(Participants.ChangePolicy, "approve", "no freeze"),
            Stance(Participants.BlastRadius, "deny", "every login goes through it")));
        await h.InState(id, h.Machine.Remediating);
        var remediate = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);
        Assert.Equal("v7.4.2", remediate.Hypothesis.SuspectVersion);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });

        var incident = await h.InState(id, h.Machine.Resolved);
        var approval = IncidentViews.Details(incident).Approval!;
        Assert.Equal(RemediationApprovalStatuses.Approved, approval.Status);
        Assert.Equal(RemediationApproval.Approve, approval.Decision);
        Assert.Equal(1, approval.Request);
        Assert.Equal(3, approval.Stances.Count);
        Assert.Equal("approve by 2 of 3 in round 1, confidence 0.80 (safety: a rollback is reversible; change-policy: no freeze)", approval.Detail);
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "approval requested");
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "remediation approved" && t.Detail == approval.Detail);
        Assert.Null(incident.EscalationReason);
        // Synchronous looks at the harness' lists wait for it to go quiet: only once nothing else is awaited.
        // Steps time out by their deadline on the row: nothing was scheduled for any of them.
        Assert.Empty(h.Sent<StepTimedOut>(m => m.IncidentId == id));
        Assert.Single(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task A_denial_escalates_with_the_reasons_and_nothing_is_remediated()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);

        await h.Publish(Concluded(RemediationApproval.DeliberationId(id, 1), DeliberationOutcomes.Decided, RemediationApproval.Deny,
            Stance(Participants.Safety, "approve", "a rollback is reversible"),
            Stance(Participants.ChangePolicy, "deny", "service frozen"),
            Stance(Participants.BlastRadius, "deny", "every login goes through it")));
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        const string reason = "remediation not approved: deny by 2 of 3 in round 1, confidence 0.80 "
            + "(change-policy: service frozen; blast-radius: every login goes through it)";
        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Equal(reason, page.Reason);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
        Assert.Null(incident.Remediation);
        Assert.Equal(reason, incident.EscalationReason);
        Assert.Equal(RemediationApprovalStatuses.Denied, incident.Approval!.Status);
        Assert.Equal(RemediationApproval.Deny, incident.Approval.Decision);
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "escalated" && t.Detail == reason);
    }

    [Fact]
    public async Task No_consensus_escalates_with_every_stance_of_the_last_round()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);

        await h.Publish(Concluded(RemediationApproval.DeliberationId(id, 1), DeliberationOutcomes.NoConsensus, null,
            Stance(Participants.Safety, "approve", "a rollback is reversible"),
            Stance(Participants.ChangePolicy, "deny", "service frozen"),
            new Stance { Participant = Participants.BlastRadius, Silent = true, Note = "no answer within 30s" }) with
        {
            Round = 3,
            Reason = "no 2 of 3 participants agreed in 3 round(s); last round: approve 1, deny 1, silent 1",
        });
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Equal("remediation not approved: no consensus: no 2 of 3 participants agreed in 3 round(s); last round: approve 1, deny 1, silent 1 "
            + "(safety approve: a rollback is reversible; change-policy deny: service frozen; blast-radius silent: no answer within 30s)", page.Reason);
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(RemediationApprovalStatuses.NoConsensus, incident.Approval!.Status);
        Assert.Equal(3, incident.Approval.Round);
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task A_refused_deliberation_escalates()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);

        await h.Publish(new DeliberationConcluded
        {
            DeliberationId = RemediationApproval.DeliberationId(id, 1), Kind = RemediationApproval.Kind, Outcome = DeliberationOutcomes.Refused,
            Round = 0, Reason = "'incident-approval' is not a deliberation of the workflow file (known: none)",
        });
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal("remediation not approved: the approval deliberation was refused: 'incident-approval' is not a deliberation of the workflow file (known: none)", page.Reason);
        Assert.Equal(RemediationApprovalStatuses.Refused, h.Saga.Sagas.Contains(id)!.Approval!.Status);
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Conclusions_of_other_deliberations_are_ignored()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);
        var claim = NewId.NextGuid();
        var notYetRequested = RemediationApproval.DeliberationId(id, 2);

        await h.Publish(Concluded(claim, DeliberationOutcomes.Decided, RemediationApproval.Approve) with { Kind = "claim-adjudication" });
        await h.Publish(Concluded(notYetRequested, DeliberationOutcomes.Decided, RemediationApproval.Approve));
        await h.Consumed<DeliberationConcluded>(m => m.DeliberationId == claim);
        await h.Consumed<DeliberationConcluded>(m => m.DeliberationId == notYetRequested);

        var incident = await h.InState(id, h.Machine.AwaitingApproval);
        Assert.Equal(RemediationApprovalStatuses.Pending, incident.Approval!.Status);
        Assert.DoesNotContain(incident.Timeline, t => t.Step == IncidentSteps.Remediation);

        // The awaited one still decides.
        await h.Publish(Concluded(RemediationApproval.DeliberationId(id, 1), DeliberationOutcomes.Decided, RemediationApproval.Approve));
        await h.InState(id, h.Machine.Remediating);
        await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);
        Assert.Single(h.Sent<RemediateIncident>(m => m.IncidentId == id));
        Assert.False(h.Harness.Published.Select<Fault<DeliberationConcluded>>().Any(), "a conclusion faulted the saga");
    }

    [Fact]
    public async Task A_deliberation_that_never_concludes_escalates_at_the_backstop_and_a_late_approval_is_only_recorded()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);

        await h.AdvancePastTimeout(id, IncidentSteps.Approval, 1, Backstop + TimeSpan.FromSeconds(1));
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        var deliberation = RemediationApproval.DeliberationId(id, 1);
        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Equal($"remediation not approved: the approval deliberation {deliberation} did not conclude within 2m", page.Reason);
        Assert.Equal(RemediationApprovalStatuses.TimedOut, h.Saga.Sagas.Contains(id)!.Approval!.Status);

        await h.Publish(Concluded(deliberation, DeliberationOutcomes.Decided, RemediationApproval.Approve));
        await h.Consumed<DeliberationConcluded>(m => m.DeliberationId == deliberation);
        var incident = await h.InState(id, h.Machine.Notifying);
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "late approval ignored");
        Assert.Equal(RemediationApprovalStatuses.TimedOut, incident.Approval!.Status);
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Resume_sends_the_same_request_again_and_operator_commands_wait()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);
        var deliberation = RemediationApproval.DeliberationId(id, 1);

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });
        await h.WaitSent<StartDeliberation>(m => m.DeliberationId == deliberation && h.Sent<StartDeliberation>(x => x.DeliberationId == deliberation).Count == 2);
        var rerun = await h.Harness.GetRequestClient<RerunIncident>()
            .GetResponse<OperatorCommandAccepted, OperatorCommandRefused>(new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Investigation });

        Assert.True(rerun.Is(out Response<OperatorCommandRefused>? refused));
        Assert.Contains("AwaitingApproval (approval attempt 1 in flight)", refused!.Message.Reason);
        Assert.Contains(h.Saga.Sagas.Contains(id)!.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "resumed");
        await h.Publish(Concluded(deliberation, DeliberationOutcomes.Decided, RemediationApproval.Approve));
        await h.InState(id, h.Machine.Remediating);
        Assert.Equal([deliberation], h.Sent<StartDeliberation>().Select(m => m.DeliberationId).Distinct());
    }

    [Fact]
    public async Task A_rerun_from_remediation_asks_for_a_fresh_approval_and_the_old_one_no_longer_counts()
    {
        await using var h = await SagaHarness.Start(Gated);
        var id = await ToAwaitingApproval(h);
        var first = RemediationApproval.DeliberationId(id, 1);
        await h.Publish(Concluded(first, DeliberationOutcomes.Decided, RemediationApproval.Deny));
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        await h.InState(id, h.Machine.Escalated);

        var rerun = await h.Harness.GetRequestClient<RerunIncident>()
            .GetResponse<OperatorCommandAccepted, OperatorCommandRefused>(new RerunIncident { IncidentId = id, FromStep = IncidentSteps.Remediation });
        Assert.True(rerun.Is(out Response<OperatorCommandAccepted>? _));

        var second = RemediationApproval.DeliberationId(id, 2);
        Assert.NotEqual(first, second);
        var waiting = await h.InState(id, h.Machine.AwaitingApproval);
        await h.WaitSent<StartDeliberation>(m => m.DeliberationId == second);
        Assert.Equal((2, RemediationApprovalStatuses.Pending), (waiting.Approval!.Request, waiting.Approval.Status));
        Assert.Null(waiting.EscalationReason);
        await h.Publish(Concluded(first, DeliberationOutcomes.Decided, RemediationApproval.Approve));
        await h.Consumed<DeliberationConcluded>(m => m.DeliberationId == first && m.Decision == RemediationApproval.Approve);
        // Denied before, and the old deliberation's late approval does not count: remediation was never dispatched.
        var stillWaiting = await h.InState(id, h.Machine.AwaitingApproval);
        Assert.DoesNotContain(stillWaiting.Timeline, t => t.Step == IncidentSteps.Remediation && t.Event == "dispatched");
        Assert.Equal(RemediationApprovalStatuses.Pending, stillWaiting.Approval!.Status);

        await h.Publish(Concluded(second, DeliberationOutcomes.Decided, RemediationApproval.Approve));
        await h.InState(id, h.Machine.Remediating);
        await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);
        Assert.Single(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    private static Stance Stance(string participant, string decision, string reason) =>
        new() { Participant = participant, Decision = decision, Reason = reason, Confidence = 0.8 };

    private static DeliberationConcluded Concluded(Guid deliberationId, string outcome, string? decision, params Stance[] stances) => new()
    {
        DeliberationId = deliberationId,
        Kind = RemediationApproval.Kind,
        Outcome = outcome,
        Decision = decision,
        Round = 1,
        Confidence = decision is null ? null : 0.8,
        Rounds = stances.Length == 0
            ? []
            : [new DeliberationRound { Round = 1, Stances = stances, TimedOut = false, StartedAt = Samples.AlertTime, EndedAt = Samples.AlertTime.AddSeconds(5) }],
    };

    private static async Task<Guid> ToInvestigated(SagaHarness h)
    {
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });
        return id;
    }

    private static async Task<Guid> ToAwaitingApproval(SagaHarness h)
    {
        var id = await ToInvestigated(h);
        await h.InState(id, h.Machine.AwaitingApproval);
        await h.WaitSent<StartDeliberation>(m => m.DeliberationId == RemediationApproval.DeliberationId(id, 1));
        return id;
    }
}

using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Orchestrator.Incidents;
using MassTransit;
using static Agents.Orchestrator.Tests.Incidents.RemediationExecutionTests;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>
/// A human's approval of a concrete plan (the service's mode is approve): the remediation agent proposes, the incident
/// keeps an immutable request with its hash and deadline and pages; an approval (possibly with parameters changed within
/// the request's choices) sends the next attempt with exactly that plan; a decision that cannot be taken is refused and
/// changes nothing; nobody deciding expires the request and escalates.
/// </summary>
public sealed class HumanApprovalTests
{
    private const string Alice = "oidc:alice@example.com";

    [Fact]
    public async Task An_approval_required_result_waits_for_a_human_with_an_immutable_plan_and_its_hash()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);

        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Proposal() });

        var waiting = await h.InState(id, h.Machine.AwaitingApproval);
        var approval = waiting.Approval!;
        Assert.Equal((IncidentStateMachine.HumanApprovalKind, RemediationApprovalStatuses.Pending, 1, TimeSpan.FromMinutes(15)),
            (approval.Kind, approval.Status, approval.Request, approval.Timeout));
        Assert.Equal((IncidentSteps.Approval, 1), (waiting.CurrentStep, waiting.StepAttempt));
        var plan = approval.Plan!;
        Assert.Equal(("rollback", "Roll back to the last good version", "kubernetes prod/auth-service deployment/auth-service"), (plan.ActionId, plan.Description, plan.Target));
        Assert.Equal(["replicas_added", "service", "to_version"], plan.Parameters.Keys);
        Assert.Equal(("v7.4.1", "2"), (plan.Parameters["to_version"], plan.Parameters["replicas_added"]));
        Assert.Equal(["would: roll back auth-service to v7.4.1"], plan.Steps);
        Assert.Equal("regression (0.90): Regression introduced by deploy v7.4.2 of auth-service", plan.Hypothesis);
        Assert.Contains("v7.4.2 deployed 12 minutes before", Assert.Single(plan.Evidence));
        Assert.Equivalent(Samples.Choices, plan.Choices, strict: true);
        Assert.Equal(approval.RequestedAt + TimeSpan.FromMinutes(15), plan.Deadline);
        Assert.Matches("^[0-9a-f]{64}$", plan.Hash);
        // A plan is not an action: nothing was written to the remediation segment.
        Assert.Null(waiting.Remediation);
        Assert.DoesNotContain(waiting.Revisions, r => r.Segment == IncidentSegments.Remediation);
        Assert.Contains(plan.Hash, Assert.Single(waiting.Timeline, t => t.Event == "approval requested").Detail);

        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.ApprovalRequest);
        Assert.Equal((IncidentStateMachine.EmergencyAttempt, "approval-request-1"), (page.Attempt, page.EventKey));
        Assert.Equal($"rollback on kubernetes prod/auth-service deployment/auth-service with replicas_added=2, service=auth-service, to_version=v7.4.1 "
            + $"waits for your approval until {plan.Deadline:u} (request {plan.Hash[..12]}…)", page.Reason);
        Assert.Equivalent(plan, page.Incident.Approval!.Plan, strict: true);

        // The hash is the plan's: the same plan hashes the same, any field changed hashes differently.
        Assert.Equal(plan.Hash, IncidentStateMachine.Sealed(plan with { Hash = "" }).Hash);
        var changed = new[]
        {
            plan with { Parameters = new SortedDictionary<string, string>(plan.Parameters.ToDictionary(), StringComparer.Ordinal) { ["to_version"] = "v7.4.0" } },
            plan with { ActionId = "restart-pods" },
            plan with { Target = "kubernetes prod/auth-service deployment/other" },
            plan with { Deadline = plan.Deadline.AddMinutes(1) },
            plan with { Evidence = [] },
            plan with { Choices = [] },
        };
        Assert.All(changed, c => Assert.NotEqual(plan.Hash, IncidentStateMachine.Sealed(c).Hash));
        Assert.Equal(changed.Length, changed.Select(c => IncidentStateMachine.Sealed(c).Hash).Distinct().Count());
    }

    [Fact]
    public async Task Approving_with_a_valid_change_sends_attempt_2_with_the_approved_plan_and_records_the_change()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToAwaitingHuman(h);
        var plan = h.Saga.Sagas.Contains(id)!.Approval!.Plan!;

        var accepted = await OperatorCommandTests.Operate(h, new DecideApproval
        {
            IncidentId = id, Decision = "approve", Actor = Alice, Note = "v7.4.0 is the last one we trust", RequestHash = plan.Hash.ToUpperInvariant(),
            Parameters = new Dictionary<string, string> { ["to_version"] = "v7.4.0", ["replicas_added"] = "5", ["service"] = "auth-service" },
        });

        const string detail = $"approve by {Alice} with replicas_added: 2 → 5, to_version: v7.4.1 → v7.4.0: v7.4.0 is the last one we trust";
        Assert.Equal($"remediation approved: {detail}", accepted);
        var execute = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        var approved = execute.Approved!;
        Assert.Equal(("rollback", plan.Hash, Alice), (approved.ActionId, approved.RequestHash, approved.ApprovedBy));
        Assert.Equal(new Dictionary<string, string> { ["replicas_added"] = "5", ["service"] = "auth-service", ["to_version"] = "v7.4.0" }, approved.Parameters);
        Assert.Equal(["replicas_added: 2 → 5", "to_version: v7.4.1 → v7.4.0"], approved.Changes);
        Assert.True(execute.NotAfter > h.Clock.GetUtcNow());
        Assert.Equal("fp-auth-errors", execute.Fingerprint);

        var remediating = await h.InState(id, h.Machine.Remediating);
        var record = remediating.Approval!;
        Assert.Equal((RemediationApprovalStatuses.Approved, Alice, 2, detail), (record.Status, record.DecidedBy, record.ExecutionAttempt, record.Detail));
        Assert.Equal(approved.Parameters, record.ApprovedParameters);
        Assert.Equal(approved.Changes, record.Changes);
        // The request itself is never changed: what the approver saw stays as it was.
        Assert.Equivalent(plan, record.Plan, strict: true);
        Assert.Equal("v7.4.1", record.Plan!.Parameters["to_version"]);
        Assert.Contains(remediating.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "remediation approved" && t.Actor == Alice && t.Detail == detail);

        // The approved attempt executes; its answer is the remediation segment, and verification follows.
        await h.Publish(new IncidentRemediated
        {
            IncidentId = id, Attempt = 2,
            Result = Samples.Executed() with { Mode = RemediationModes.Approve, Parameters = approved.Parameters },
        });
        var verifying = await h.InState(id, h.Machine.Verifying);
        Assert.Equal("v7.4.0", verifying.Remediation!.Parameters["to_version"]);
        Assert.Equal(2, Assert.Single(verifying.Timeline, t => t.Event == "remediation segment written").Attempt);
    }

    [Fact]
    public async Task A_decision_that_cannot_be_taken_is_refused_and_the_incident_still_waits_for_the_same_deadline()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToAwaitingHuman(h);
        var before = h.Saga.Sagas.Contains(id)!;
        var approvalBefore = before.Approval!;
        var plan = approvalBefore.Plan!;
        var deadline = before.StepDeadline;
        Assert.NotNull(deadline);
        DecideApproval Approve(Dictionary<string, string>? parameters = null, string? hash = null) => new()
        {
            IncidentId = id, Decision = "approve", Actor = Alice, Parameters = parameters, RequestHash = hash,
        };

        var refusals = new[]
        {
            await OperatorCommandTests.Refused(h, Approve(new() { ["to_version"] = "v6.0.0" })),
            await OperatorCommandTests.Refused(h, Approve(new() { ["replicas_added"] = "11" })),
            await OperatorCommandTests.Refused(h, Approve(new() { ["replicas_added"] = "two" })),
            await OperatorCommandTests.Refused(h, Approve(new() { ["namespace"] = "kube-system" })),
            await OperatorCommandTests.Refused(h, Approve(new() { ["service"] = "payments-db" })),
            await OperatorCommandTests.Refused(h, Approve(hash: new string('0', 64))),
            await OperatorCommandTests.Refused(h, new DecideApproval
            {
                IncidentId = id, Decision = "deny", Actor = Alice, Note = "no", Parameters = new Dictionary<string, string> { ["to_version"] = "v7.4.0" },
            }),
            await OperatorCommandTests.Refused(h, new DecideApproval { IncidentId = id, Decision = "approve", Actor = " " }),
        };

        Assert.Equal("parameters refused: to_version 'v6.0.0' is not one of v7.4.1, v7.4.0", refusals[0]);
        Assert.Equal("parameters refused: replicas_added '11' is not a whole number within 1..10", refusals[1]);
        Assert.Equal("parameters refused: replicas_added 'two' is not a whole number within 1..10", refusals[2]);
        Assert.Equal("parameters refused: 'namespace' is not a parameter of rollback (it has: replicas_added, service, to_version)", refusals[3]);
        Assert.Equal("parameters refused: 'service' cannot be changed", refusals[4]);
        Assert.Equal($"the approval request is {plan.Hash}, not the {new string('0', 64)} you saw: read it again (GET /incidents/{id})", refusals[5]);
        Assert.Equal("parameters may be changed only when approving", refusals[6]);
        Assert.Equal("the decision names nobody (no actor)", refusals[7]);

        var after = await h.InState(id, h.Machine.AwaitingApproval);
        Assert.Equal(RemediationApprovalStatuses.Pending, after.Approval!.Status);
        Assert.Equivalent(approvalBefore, after.Approval, strict: true);
        Assert.Equal(deadline, after.StepDeadline);
        Assert.Equal(8, after.Timeline.Count(t => t.Event == "operator command refused" && t.Actor == (t.Detail!.Contains("no actor") ? null : Alice)));
        // Refusals neither extend the deadline nor send anything.
        Assert.Single(h.SentNow<RemediateIncident>(m => m.IncidentId == id));

        // A valid approval after all that still goes through.
        await OperatorCommandTests.Operate(h, Approve(new() { ["to_version"] = "v7.4.0" }, plan.Hash));
        Assert.Equal("v7.4.0", (await h.WaitSent<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 2)).Approved!.Parameters["to_version"]);
    }

    [Fact]
    public async Task A_resume_while_the_approved_attempt_runs_sends_the_same_attempt_with_the_same_approved_plan()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToAwaitingHuman(h);
        var plan = h.Saga.Sagas.Contains(id)!.Approval!.Plan!;
        await OperatorCommandTests.Operate(h, new DecideApproval
        {
            IncidentId = id, Decision = "approve", Actor = Alice, Parameters = new Dictionary<string, string> { ["replicas_added"] = "3" },
        });
        var first = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 2);

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });

        // The same decision again (the execution ledger knows it by incident and attempt): never a new attempt, never a plan.
        var again = await h.WaitSentCount<RemediateIncident>(2, m => m.IncidentId == id && m.Attempt == 2);
        Assert.Equivalent(first.Approved, again.Approved, strict: true);
        Assert.Equal((plan.Hash, "3"), (again.Approved!.RequestHash, again.Approved.Parameters["replicas_added"]));
        Assert.Equal([1, 2, 2], h.SentNow<RemediateIncident>(m => m.IncidentId == id).Select(m => m.Attempt));
        Assert.Equal(2, (await h.InState(id, h.Machine.Remediating)).RemediationAttempts);
    }

    [Fact]
    public async Task A_choice_for_a_parameter_the_plan_does_not_have_cannot_add_it()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);
        var proposal = Samples.Proposal();
        await h.Publish(new IncidentRemediated
        {
            IncidentId = id, Attempt = 1,
            Result = proposal with
            {
                Proposal = proposal.Proposal! with { Choices = [.. Samples.Choices, new ParameterChoice { Name = "max_surge", Type = "integer", Min = 1, Max = 3 }] },
            },
        });
        await h.InState(id, h.Machine.AwaitingApproval);

        var refusal = await OperatorCommandTests.Refused(h, new DecideApproval
        {
            IncidentId = id, Decision = "approve", Actor = Alice, Parameters = new Dictionary<string, string> { ["max_surge"] = "2" },
        });

        Assert.Equal("parameters refused: 'max_surge' is not a parameter of rollback (it has: replicas_added, service, to_version)", refusal);
        Assert.Equal(RemediationApprovalStatuses.Pending, (await h.InState(id, h.Machine.AwaitingApproval)).Approval!.Status);
    }

    [Fact]
    public async Task Nobody_deciding_by_the_deadline_expires_the_request_and_escalates_without_executing()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToAwaitingHuman(h);

        await h.AdvancePastTimeout(id, IncidentSteps.Approval, 1, TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        var escalating = await h.InState(id, h.Machine.Notifying);
        var approval = escalating.Approval!;
        Assert.Equal((RemediationApprovalStatuses.Expired, "system"), (approval.Status, approval.DecidedBy));
        Assert.StartsWith("no human approved or denied rollback within 15m: the request expired at ", approval.Detail);
        Assert.Equal($"remediation not approved: {approval.Detail}", escalating.EscalationReason);
        Assert.Contains(escalating.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "approval expired");
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Escalation);
        Assert.Equal(escalating.EscalationReason, page.Reason);
        Assert.Equal(RemediationApprovalStatuses.Expired, page.Incident.Approval!.Status);

        // Too late to decide: refused, and nothing is executed.
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        await h.InState(id, h.Machine.Escalated);
        Assert.Equal("the incident is Escalated: there is no approval to decide",
            await OperatorCommandTests.Refused(h, new DecideApproval { IncidentId = id, Decision = "approve", Actor = Alice }));
        Assert.Equal([1], h.Sent<RemediateIncident>(m => m.IncidentId == id).Select(m => m.Attempt));
    }

    [Fact]
    public async Task A_resume_while_awaiting_a_human_pages_again_with_the_same_deadline()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToAwaitingHuman(h);
        var plan = h.Saga.Sagas.Contains(id)!.Approval!.Plan!;
        var first = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.ApprovalRequest);
        // Ten of the fifteen minutes pass without a decision.
        Assert.False(await h.AdvanceAndSweep(id, IncidentSteps.Approval, 1, TimeSpan.FromMinutes(10)));
        var deadline = (await h.InState(id, h.Machine.AwaitingApproval)).StepDeadline;

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });

        var second = await h.WaitSentCount<NotifyIncident>(2, m => m.IncidentId == id && m.Kind == NotificationKinds.ApprovalRequest);
        Assert.Equal((first.EventKey, first.Reason), (second.EventKey, second.Reason));
        var resumed = await h.InState(id, h.Machine.AwaitingApproval);
        Assert.Equivalent(plan, resumed.Approval!.Plan, strict: true);
        Assert.Contains(resumed.Timeline, t => t.Step == IncidentSteps.Approval && t.Event == "resumed");
        Assert.Single(h.SentNow<RemediateIncident>(m => m.IncidentId == id));

        // The deadline is the request's: the five minutes left, not fifteen from the restart.
        Assert.Equal(deadline, resumed.StepDeadline);
        Assert.InRange(resumed.StepDeadline!.Value - h.Clock.GetUtcNow(), TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5));
        await h.AdvancePastTimeout(id, IncidentSteps.Approval, 1, TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1), occurrence: 1);
        var expired = await h.InState(id, h.Machine.Notifying);
        Assert.Equal(RemediationApprovalStatuses.Expired, expired.Approval!.Status);
        Assert.True(h.Clock.GetUtcNow() < plan.Deadline + TimeSpan.FromMinutes(1), "the request expired only well after its deadline");
    }

    private static async Task<Guid> ToAwaitingHuman(SagaHarness h)
    {
        var id = await ToRemediating(h);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Proposal() });
        await h.InState(id, h.Machine.AwaitingApproval);
        await h.WaitAwaited(id, IncidentSteps.Approval, 1);
        return id;
    }
}

using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Steps;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Workflows;
using Agents.Contracts.Context;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>
/// Workflows as configuration in the saga: routing rules choose a new incident's workflow, which the incident keeps
/// (a reload changes only new incidents); plug-in steps run under the step policies (success, failure, timeout, late
/// reply, rollback of their segment); <c>when:</c> skips a step; the human approval gate.
/// </summary>
public sealed class WorkflowRoutingTests
{
    private const string File = """
        routing:
          rules:
            - name: security-alerts
              match:
                labels: { category: [security] }
              workflow: notify-only
            - name: payments-db
              match: { service: payments-db }
              workflow: human-approved
          default: with-freeze
        workflows:
          with-freeze:
            steps:
              triage: {}
              context: {}
              investigation: {}
              change-freeze:
                agent: freeze-check
                timeout: 10s
                attempts: 2
                when: { severity: [critical, high] }
                settings:
                  windows:
                    - { name: year-end, start: "2026-12-20T00:00:00Z", end: "2027-01-03T00:00:00Z" }
              remediation: {}
              notification: {}
          notify-only:
            steps:
              triage: {}
              context: {}
              notification: {}
          human-approved:
            approval: human
            approvalTimeout: 20m
        """;

    private static WorkflowCatalog Catalog(string yaml = File) => new(WorkflowLoader.ParseSet(yaml, "test.yaml"));

    [Fact]
    public async Task A_security_alert_runs_the_notify_only_workflow_and_is_handed_to_a_human_with_its_context()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var alert = Samples.Alert("fp-security") with { Labels = new Dictionary<string, string> { ["category"] = "security" } };
        var id = await h.RaiseAlert(alert);

        var opened = h.Saga.Sagas.Contains(id)!;
        Assert.Equal("notify-only", opened.WorkflowName);
        Assert.Equal("security-alerts", opened.WorkflowRule);
        Assert.Equal(WorkflowLoader.Version(File), opened.WorkflowVersion);
        Assert.Contains(opened.Timeline, t => t.Event == "workflow chosen" && t.Detail!.StartsWith("notify-only (triage → context → notification) by rule security-alerts", StringComparison.Ordinal));

        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });

        var notifying = await h.InState(id, h.Machine.Notifying);
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Equal("the notify-only workflow hands the incident to a human after context (it has no remediation step)", page.Reason);
        Assert.Equal("context", page.Step);
        Assert.NotNull(page.Incident.Context);
        Assert.Empty(h.Sent<InvestigateIncident>(m => m.IncidentId == id));
        Assert.Equal(IncidentStatuses.Escalated, notifying.PendingOutcome);
    }

    [Fact]
    public async Task An_alert_no_rule_matches_runs_the_default_and_its_plug_in_step_gets_the_generic_command_and_writes_its_segment()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await ToInvestigated(h);

        var running = await h.InState(id, h.Machine.RunningStep);
        Assert.Equal("with-freeze", running.WorkflowName);
        Assert.Equal("default", running.WorkflowRule);
        Assert.Equal("change-freeze", running.CurrentStep);
        var command = await h.WaitSent<RunIncidentStep>(m => m.IncidentId == id);
        var sent = await h.Harness.WaitSent<RunIncidentStep>(s => s.Context.Message.IncidentId == id);
        Assert.EndsWith("/freeze-check", sent!.Context.DestinationAddress!.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(("change-freeze", 1, "with-freeze"), (command.Step, command.Attempt, command.Workflow));
        Assert.Equal("year-end", command.Settings.GetProperty("windows")[0].GetProperty("name").GetString());
        Assert.Equal("auth-service", command.Incident.GetProperty("triage").GetProperty("service").GetString());
        Assert.Equal("v7.4.2", command.Incident.GetProperty("hypothesis").GetProperty("suspectVersion").GetString());
        Assert.Equal(JsonValueKind.Null, command.Incident.GetProperty("remediation").ValueKind);
        Assert.Null(command.PreviousFailure);

        await h.Publish(new IncidentStepCompleted { IncidentId = id, Attempt = 1, Step = "change-freeze", Result = Json("""{"frozen": false, "windowsChecked": 1}""") });

        var remediating = await h.InState(id, h.Machine.Remediating);
        Assert.False(remediating.StepResults["change-freeze"].GetProperty("frozen").GetBoolean());
        var revision = Assert.Single(remediating.Revisions, r => r.Segment == "change-freeze");
        Assert.Equal((1, "change-freeze", "written"), (revision.Version, revision.Step, revision.Change));
        Assert.Contains(remediating.Timeline, t => t.Event == "change-freeze segment written" && t.Segment == "change-freeze");
        await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);

        // The rest of the workflow as before: remediated, verified, then resolved.
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
        var resolution = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        // The last step that ran is the verification of the executed remediation.
        Assert.Equal((NotificationKinds.Resolution, IncidentSteps.Verification, "resolution-1"), (resolution.Kind, resolution.Step, resolution.EventKey));
    }

    [Fact]
    public async Task A_failing_plug_in_step_is_retried_with_its_reason_and_then_escalates_and_a_late_reply_is_ignored()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await ToInvestigated(h);
        await h.InState(id, h.Machine.RunningStep);

        await h.Publish(new IncidentStepFailed { IncidentId = id, Attempt = 1, Step = "change-freeze", Reason = "change freeze 'year-end' is in force" });
        var retry = await h.WaitSent<RunIncidentStep>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.Equal("change freeze 'year-end' is in force", retry.PreviousFailure);

        // A reply to the first attempt arrives late: recorded, not acted on.
        await h.Publish(new IncidentStepCompleted { IncidentId = id, Attempt = 1, Step = "change-freeze", Result = Json("{}") });
        await h.Consumed<IncidentStepCompleted>(m => m.IncidentId == id);
        var still = await h.InState(id, h.Machine.RunningStep);
        Assert.Contains(still.Timeline, t => t.Event == "late reply ignored" && t.Step == "change-freeze" && t.Attempt == 1);
        Assert.Empty(still.StepResults);

        await h.Publish(new IncidentStepFailed { IncidentId = id, Attempt = 2, Step = "change-freeze", Reason = "change freeze 'year-end' is in force" });
        await h.InState(id, h.Machine.Notifying);
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        Assert.Equal("change-freeze failed after 2 attempt(s): change freeze 'year-end' is in force", page.Reason);
        Assert.Equal(("change-freeze", "escalation-1"), (page.Step, page.EventKey));
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task A_silent_plug_in_agent_times_out_under_the_steps_own_timeout()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await ToInvestigated(h);
        await h.InState(id, h.Machine.RunningStep);

        await h.AdvancePastTimeout(id, "change-freeze", 1, TimeSpan.FromSeconds(11));

        var retry = await h.WaitSent<RunIncidentStep>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.Equal("no reply within 10s", retry.PreviousFailure);
    }

    [Fact]
    public async Task A_result_that_is_not_a_JSON_object_or_is_too_large_fails_the_attempt_as_invalid()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await ToInvestigated(h);
        await h.InState(id, h.Machine.RunningStep);

        await h.Publish(new IncidentStepCompleted { IncidentId = id, Attempt = 1, Step = "change-freeze", Result = Json("[1, 2]") });
        var retry = await h.WaitSent<RunIncidentStep>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.Equal("the step's result must be a JSON object, not array", retry.PreviousFailure);

        var huge = JsonSerializer.SerializeToElement(new { text = new string('x', StepLimits.MaxResultBytes) });
        await h.Publish(new IncidentStepCompleted { IncidentId = id, Attempt = 2, Step = "change-freeze", Result = huge });
        await h.InState(id, h.Machine.Notifying);
        Assert.Empty(h.Saga.Sagas.Contains(id)!.StepResults);
    }

    [Fact]
    public async Task A_step_whose_when_does_not_hold_is_skipped_and_the_timeline_says_why()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: "medium") });
        await h.InState(id, h.Machine.CollectingContext);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });

        var remediating = await h.InState(id, h.Machine.Remediating);
        var skipped = Assert.Single(remediating.Timeline, t => t.Event == "step skipped");
        Assert.Equal(("change-freeze", "when: severity in [critical, high] does not hold"), (skipped.Step, skipped.Detail));
        Assert.Empty(h.Sent<RunIncidentStep>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task A_plug_in_segment_can_be_rolled_back_after_a_rerun_rewrote_it()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await ToInvestigated(h);
        await h.InState(id, h.Machine.RunningStep);
        await h.Publish(new IncidentStepCompleted { IncidentId = id, Attempt = 1, Step = "change-freeze", Result = Json("""{"frozen": false, "run": 1}""") });
        await h.InState(id, h.Machine.Remediating);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });
        await h.InState(id, h.Machine.Resolved);

        // A re-run from the plug-in step clears its segment and the later ones, and asks the agent again.
        var rerun = await OperatorCommandTests.Operate(h, new RerunIncident { IncidentId = id, FromStep = "change-freeze", Actor = "apikey:test" });
        Assert.Contains("cleared: remediation, notifications, change-freeze", rerun);
        await h.WaitSent<RunIncidentStep>(m => m.IncidentId == id && m.Attempt == 1 && h.Sent<RunIncidentStep>(c => c.IncidentId == id).Count == 2);
        await h.Publish(new IncidentStepCompleted { IncidentId = id, Attempt = 1, Step = "change-freeze", Result = Json("""{"frozen": false, "run": 2}""") });
        await h.InState(id, h.Machine.Remediating);
        await h.Publish(new IncidentRemediationFailed { IncidentId = id, Attempt = 2, Reason = "kubectl refused" });
        await h.InState(id, h.Machine.Notifying);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        await h.InState(id, h.Machine.Escalated);

        var rollback = await OperatorCommandTests.Operate(h, new RollbackSegment { IncidentId = id, Segment = "change-freeze" });

        Assert.Equal("change-freeze restored to version 1 (as version 4); the other segments are unchanged", rollback);
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(1, incident.StepResults["change-freeze"].GetProperty("run").GetInt32());
        Assert.Equal([1, 2, 3, 4], incident.Revisions.Where(r => r.Segment == "change-freeze").Select(r => r.Version));
    }

    [Fact]
    public async Task A_reloaded_file_routes_new_incidents_while_an_incident_in_flight_keeps_its_workflow()
    {
        var catalog = Catalog();
        await using var h = await SagaHarness.Start(catalog);
        var before = await ToInvestigated(h);
        await h.InState(before, h.Machine.RunningStep);

        // The file changes: the default workflow loses its plug-in step.
        var changed = System.Text.RegularExpressions.Regex.Replace(File, @"\n\s*change-freeze:.*?(?=\n\s*remediation:)", "",
            System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.NotEqual(File, changed);
        catalog.Replace(WorkflowLoader.ParseSet(changed, "test.yaml"));

        var after = await ToInvestigated(h, "fp-after");
        await h.InState(after, h.Machine.Remediating);
        Assert.Equal(WorkflowLoader.Version(changed), h.Saga.Sagas.Contains(after)!.WorkflowVersion);

        // The incident that started before still runs its own copy, plug-in step and all.
        var old = h.Saga.Sagas.Contains(before)!;
        Assert.Equal(WorkflowLoader.Version(File), old.WorkflowVersion);
        await h.Publish(new IncidentStepFailed { IncidentId = before, Attempt = 1, Step = "change-freeze", Reason = "frozen" });
        await h.WaitSent<RunIncidentStep>(m => m.IncidentId == before && m.Attempt == 2);
    }

    [Fact]
    public async Task The_human_gate_has_remediation_propose_then_pages_for_a_decision_and_executes_only_the_approved_plan()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var id = await ToInvestigated(h, service: "payments-db");

        // approval: human no longer waits before remediation: the agent is asked to plan without acting.
        var remediating = await h.InState(id, h.Machine.Remediating);
        Assert.Equal(("human-approved", "payments-db"), (remediating.WorkflowName, remediating.WorkflowRule));
        var planning = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);
        Assert.Equal((1, true, null), (planning.Attempt, planning.RequireApproval, planning.Approved));
        Assert.Empty(h.SentNow<NotifyIncident>(m => m.IncidentId == id));

        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Proposal("payments-db") });

        var waiting = await h.InState(id, h.Machine.AwaitingApproval);
        Assert.Equal(("human", RemediationApprovalStatuses.Pending, TimeSpan.FromMinutes(20)), (waiting.Approval!.Kind, waiting.Approval.Status, waiting.Approval.Timeout));
        var plan = waiting.Approval.Plan!;
        Assert.Equal(("rollback", "v7.4.1"), (plan.ActionId, plan.Parameters["to_version"]));
        Assert.Equal(waiting.Approval.RequestedAt + TimeSpan.FromMinutes(20), plan.Deadline);
        Assert.Null(waiting.Remediation);
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.ApprovalRequest);
        Assert.Equal(IncidentStateMachine.EmergencyAttempt, page.Attempt);
        Assert.StartsWith("rollback on kubernetes prod/payments-db deployment/payments-db with ", page.Reason);
        Assert.Contains($"waits for your approval until {plan.Deadline:u}", page.Reason);
        Assert.Single(h.SentNow<RemediateIncident>(m => m.IncidentId == id));

        var accepted = await OperatorCommandTests.Operate(h,
            new DecideApproval { IncidentId = id, Decision = "Approve", Actor = "oidc:alice@example.com", Note = "rollback is safe", RequestHash = plan.Hash });

        Assert.Equal("remediation approved: approve by oidc:alice@example.com: rollback is safe", accepted);
        remediating = await h.InState(id, h.Machine.Remediating);
        Assert.Equal(RemediationApprovalStatuses.Approved, remediating.Approval!.Status);
        Assert.Contains(remediating.Timeline, t => t.Event == "remediation approved" && t.Actor == "oidc:alice@example.com");
        // The next attempt executes exactly the plan approved.
        var execute = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.NotNull(execute.Approved);
        Assert.Equal(("rollback", plan.Hash, "oidc:alice@example.com"), (execute.Approved.ActionId, execute.Approved.RequestHash, execute.Approved.ApprovedBy));
        Assert.Equal(plan.Parameters, execute.Approved.Parameters);
        Assert.Equal(2, remediating.Approval.ExecutionAttempt);

        // Nothing waits for a decision any more: a second one is refused.
        var again = await h.Harness.GetRequestClient<DecideApproval>().GetResponse<OperatorCommandAccepted, OperatorCommandRefused>(
            new DecideApproval { IncidentId = id, Decision = "deny", Actor = "oidc:bob@example.com", Note = "too late" });
        Assert.StartsWith("the incident does not wait for a human's approval (it is Remediating", Assert.IsType<OperatorCommandRefused>(again.Message).Reason);
    }

    [Fact]
    public async Task A_denial_or_no_decision_in_time_escalates_without_executing()
    {
        await using var h = await SagaHarness.Start(Catalog());
        var denied = await ToInvestigated(h, service: "payments-db");
        await h.InState(denied, h.Machine.Remediating);
        await h.Publish(new IncidentRemediated { IncidentId = denied, Attempt = 1, Result = Samples.Proposal("payments-db") });
        await h.InState(denied, h.Machine.AwaitingApproval);
        await OperatorCommandTests.Operate(h, new DecideApproval { IncidentId = denied, Decision = "deny", Actor = "apikey:oncall", Note = "failover in progress" });
        await h.InState(denied, h.Machine.Notifying);
        Assert.Equal("remediation not approved: deny by apikey:oncall: failover in progress",
            (await h.WaitSent<NotifyIncident>(m => m.IncidentId == denied && m.Kind == NotificationKinds.Escalation)).Reason);

        var silent = await ToInvestigated(h, "fp-silent", service: "payments-db");
        await h.InState(silent, h.Machine.Remediating);
        await h.Publish(new IncidentRemediated { IncidentId = silent, Attempt = 1, Result = Samples.Proposal("payments-db") });
        await h.InState(silent, h.Machine.AwaitingApproval);
        await h.AdvancePastTimeout(silent, IncidentSteps.Approval, 1, TimeSpan.FromMinutes(21));
        await h.InState(silent, h.Machine.Notifying);
        Assert.StartsWith("remediation not approved: no human approved or denied rollback within 20m: the request expired at ",
            (await h.WaitSent<NotifyIncident>(m => m.IncidentId == silent && m.Kind == NotificationKinds.Escalation)).Reason);
        var expired = h.Saga.Sagas.Contains(silent)!.Approval!;
        Assert.Equal((RemediationApprovalStatuses.Expired, "system"), (expired.Status, expired.DecidedBy));
        // Only the two plans were asked for: nothing was sent to execute.
        var sent = h.Sent<RemediateIncident>();
        Assert.Equal(2, sent.Count);
        Assert.Equal([denied, silent], sent.Select(m => m.IncidentId).ToHashSet());
        Assert.All(sent, m => Assert.Equal(1, m.Attempt));
        Assert.All(h.Sent<RemediateIncident>(), m => Assert.Null(m.Approved));
    }

    private static async Task<Guid> ToInvestigated(SagaHarness h, string fingerprint = "fp-auth-errors", string service = "auth-service")
    {
        var id = await h.RaiseAlert(Samples.Alert(fingerprint) with { Service = service });
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(service: service) });
        await h.InState(id, h.Machine.CollectingContext);
        var context = Samples.Context();
        context = context with
        {
            Service = service,
            RecentDeploys = [.. context.RecentDeploys.Select(d => d with { Service = service })],
        };
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = context });
        await h.InState(id, h.Machine.Investigating);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });
        return id;
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}

using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Workflows;
using MassTransit;
using MassTransit.Events;

namespace Agents.Orchestrator.Tests.Incidents;

public sealed class IncidentStateMachineTests
{
    [Fact]
    public async Task Low_severity_alert_short_circuits_to_a_low_priority_notification_and_closes()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        var notify = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        Assert.Equal(NotificationKinds.LowPriority, notify.Kind);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.LowPriority) });

        var incident = await h.InState(id, h.Machine.Closed);
        Assert.Empty(h.Sent<CollectIncidentContext>(m => m.IncidentId == id));
        Assert.False(incident.IsOpen);
        Assert.Null(incident.Context);
    }

    [Fact]
    public async Task Happy_path_runs_every_agent_in_order_and_resolves_with_all_segments()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        var triage = await h.WaitSent<TriageIncident>(m => m.IncidentId == id);
        Assert.Equal(1, triage.Attempt);
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        var collect = await h.WaitSent<CollectIncidentContext>(m => m.IncidentId == id);
        Assert.Equal("auth-service", collect.Triage.Service);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });
        await h.InState(id, h.Machine.Remediating);
        var remediate = await h.WaitSent<RemediateIncident>(m => m.IncidentId == id);
        Assert.Equal("v7.4.2", remediate.Hypothesis.SuspectVersion);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed() });
        // Executed: resolved only once the verification says the action worked.
        var verifying = await h.InState(id, h.Machine.Verifying);
        Assert.Equal((IncidentSteps.Verification, VerificationStatuses.Pending), (verifying.CurrentStep, verifying.Verification!.Status));
        await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
        var notify = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        Assert.Equal(NotificationKinds.Resolution, notify.Kind);
        Assert.Equal("rollback", notify.Incident.Remediation?.ActionId);
        Assert.Equal(VerificationStatuses.Verified, notify.Incident.Verification?.Status);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution) });

        var incident = await h.InState(id, h.Machine.Resolved);
        Assert.NotNull(incident.Triage);
        Assert.NotNull(incident.Context);
        Assert.NotNull(incident.Hypothesis);
        Assert.NotNull(incident.Remediation);
        Assert.Single(incident.Notifications);
        Assert.False(incident.IsOpen);
        var written = incident.Timeline.Where(t => t.Event.EndsWith("written", StringComparison.Ordinal) || t.Event == "notification sent")
            .Select(t => t.Step).ToList();
        Assert.Equal(IncidentSteps.Agents, written);
        Assert.Equal("resolved", incident.Timeline[^1].Event);

        // Each agent wrote its own segment once: version 1, kept with its value and named in the timeline.
        Assert.Equal(IncidentSegments.All, incident.Revisions.Select(r => r.Segment));
        Assert.All(incident.Revisions, r => Assert.Equal(1, r.Version));
        Assert.All(incident.Revisions, r => Assert.Equal(IncidentSegments.OwnerStep(r.Segment), r.Step));
        Assert.Equal("regression", incident.Revisions.Single(r => r.Segment == IncidentSegments.Hypothesis).Value!.Value.GetProperty("category").GetString());
        Assert.Equal(IncidentSegments.All, incident.Timeline.Where(t => t.Segment is not null).Select(t => t.Segment));
        Assert.All(incident.Timeline.Where(t => t.Segment is not null), t => Assert.Equal(1, t.SegmentVersion));
    }

    [Fact]
    public async Task Investigation_failure_is_retried_with_its_reason_and_then_resolves()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);

        await h.Publish(new IncidentInvestigationFailed { IncidentId = id, Attempt = 1, Reason = "log query timed out" });
        var retry = await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        Assert.Equal("log query timed out", retry.PreviousFailure);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 2, Hypothesis = Samples.Hypothesis() });

        var incident = await h.InState(id, h.Machine.Remediating);
        Assert.Equal("regression", incident.Hypothesis!.Category);
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Investigation && t.Attempt == 1 && t.Event == "step failed");
    }

    [Fact]
    public async Task Investigation_that_keeps_failing_escalates_and_pages_a_human()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);

        await h.Publish(new IncidentInvestigationFailed { IncidentId = id, Attempt = 1, Reason = "rate limited" });
        await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        await h.Publish(new IncidentInvestigationFailed { IncidentId = id, Attempt = 2, Reason = "rate limited again" });
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Contains("investigation failed after 2 attempt(s): rate limited again", page.Reason);
        Assert.Empty(h.Sent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 3));
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.True(incident.IsOpen);
        Assert.Null(incident.Remediation);
    }

    [Fact]
    public async Task Contradicting_hypothesis_is_rejected_and_reinvestigated_with_the_contradiction()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);

        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis(errorsObserved: false) });
        var retry = await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);

        Assert.Contains("contradiction", retry.PreviousFailure);
        Assert.Contains("23%", retry.PreviousFailure);
        var incident = await h.InState(id, h.Machine.Investigating);
        Assert.Null(incident.Hypothesis);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 2, Hypothesis = Samples.Hypothesis(errorsObserved: true) });
        incident = await h.InState(id, h.Machine.Remediating);
        Assert.True(incident.Hypothesis!.ErrorsObserved);
    }

    [Fact]
    public async Task Hypothesis_below_the_minimum_confidence_escalates_without_remediation()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);

        await h.Publish(new IncidentInvestigated
        {
            IncidentId = id, Attempt = 1,
            Hypothesis = Samples.Hypothesis() with { Category = "unknown", Confidence = 0.2, SuspectVersion = null, Evidence = [] },
        });
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Contains("not confident enough", page.Reason);
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Remediation_failure_is_never_retried_and_escalates()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);

        await h.Publish(new IncidentRemediationFailed { IncidentId = id, Attempt = 1, Reason = "version v7.4.1 not in deploy history" });
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Contains("remediation failed", page.Reason);
        Assert.Single(h.Sent<RemediateIncident>(m => m.IncidentId == id));
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Escalation) });
        await h.InState(id, h.Machine.Escalated);
    }

    [Fact]
    public async Task Agent_fault_counts_as_a_failed_attempt()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);
        var command = await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 1);

        await h.Harness.Bus.Publish<Fault<InvestigateIncident>>(new
        {
            Message = command,
            FaultId = NewId.NextGuid(),
            Timestamp = DateTime.UtcNow,
            Exceptions = new ExceptionInfo[] { new FaultExceptionInfo(new TimeoutException("datadog query timed out")) },
        });
        var retry = await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);

        Assert.Contains("datadog query timed out", retry.PreviousFailure);
    }

    [Fact]
    public async Task Invalid_triage_output_is_rejected_and_triage_is_retried()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: "apocalyptic") });
        var retry = await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);

        Assert.Contains("severity 'apocalyptic'", retry.PreviousFailure);
        var incident = await h.InState(id, h.Machine.Triaging);
        Assert.Null(incident.Triage);
    }

    [Fact]
    public async Task Context_for_another_service_is_rejected()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToCollectingContext(h);

        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() with { Service = "billing" } });
        var retry = await h.WaitSent<CollectIncidentContext>(m => m.IncidentId == id && m.Attempt == 2);

        Assert.Contains("service 'billing'", retry.PreviousFailure);
    }

    [Theory]
    [InlineData(IncidentSteps.Triage)]
    [InlineData(IncidentSteps.Context)]
    [InlineData(IncidentSteps.Investigation)]
    public async Task Step_timeout_retries_the_step_with_the_timeout_as_reason(string step)
    {
        await using var h = await SagaHarness.Start();
        var id = step switch
        {
            IncidentSteps.Triage => await h.RaiseAlert(),
            IncidentSteps.Context => await ToCollectingContext(h),
            _ => await ToInvestigating(h),
        };

        await h.AdvancePastTimeout(id, step, 1, IncidentWorkflow.Default.Step(step).Timeout + TimeSpan.FromSeconds(1));
        await h.Consumed<StepOverdue>(m => m.IncidentId == id && m.Step == step);

        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(step, incident.CurrentStep);
        Assert.Equal(2, incident.StepAttempt);
        Assert.Contains(incident.Timeline, t => t.Step == step && t.Attempt == 1 && t.Event == "step failed" && t.Detail!.StartsWith("no reply within", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Triage_timeouts_exhaust_attempts_and_escalate()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        await h.AdvancePastTimeout(id, IncidentSteps.Triage, 1, TimeSpan.FromSeconds(31));
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);
        await h.AdvancePastTimeout(id, IncidentSteps.Triage, 2, TimeSpan.FromSeconds(31));
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Contains("triage failed after 2 attempt(s): no reply within 30s", page.Reason);
    }

    [Fact]
    public async Task A_step_whose_policy_is_fail_ends_the_incident_failed_without_paging_anyone()
    {
        var workflow = IncidentWorkflow.Default with
        {
            Steps = new Dictionary<string, StepPolicy>(IncidentWorkflow.Default.Steps)
            {
                [IncidentSteps.Triage] = new(TimeSpan.FromSeconds(30), 2, ExhaustedPolicies.Fail),
            },
        };
        await using var h = await SagaHarness.Start(workflow);
        var id = await h.RaiseAlert();

        await h.AdvancePastTimeout(id, IncidentSteps.Triage, 1, TimeSpan.FromSeconds(31));
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);
        await h.Publish(new IncidentTriageFailed { IncidentId = id, Attempt = 2, Reason = "classifier unavailable" });
        var incident = await h.InState(id, h.Machine.Failed);

        Assert.Equal("triage failed after 2 attempt(s): classifier unavailable", incident.FailureReason);
        Assert.Null(incident.EscalationReason);
        Assert.False(incident.IsOpen);
        Assert.Empty(h.Sent<NotifyIncident>(m => m.IncidentId == id));
        Assert.Equal("failed", incident.Timeline[^1].Event);
    }

    [Fact]
    public async Task Remediation_timeout_escalates_without_retry()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToRemediating(h);

        await h.AdvancePastTimeout(id, IncidentSteps.Remediation, 1, TimeSpan.FromSeconds(61));
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);

        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Single(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Notification_timeouts_are_retried_then_the_incident_ends_escalated()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Attempt == 1);

        for (var attempt = 2; attempt <= 3; attempt++)
        {
            await h.AdvancePastTimeout(id, IncidentSteps.Notification, attempt - 1, TimeSpan.FromSeconds(31));
            await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Attempt == attempt);
        }

        await h.AdvancePastTimeout(id, IncidentSteps.Notification, 3, TimeSpan.FromSeconds(31));
        var incident = await h.InState(id, h.Machine.Escalated);
        Assert.Contains("notification failed after 3 attempt(s)", incident.EscalationReason);
    }

    [Fact]
    public async Task Reply_arriving_after_its_step_timed_out_is_recorded_and_ignored()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);
        await h.AdvancePastTimeout(id, IncidentSteps.Investigation, 1, TimeSpan.FromSeconds(61));
        await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);

        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });
        await h.Consumed<IncidentInvestigated>(m => m.IncidentId == id && m.Attempt == 1);

        var incident = await h.InState(id, h.Machine.Investigating);
        Assert.Null(incident.Hypothesis);
        Assert.Equal(2, incident.StepAttempt);
        Assert.Contains(incident.Timeline, t => t.Event == "late reply ignored" && t.Attempt == 1 && t.Step == IncidentSteps.Investigation);
        Assert.Empty(h.Sent<RemediateIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Reply_for_a_step_already_done_is_ignored()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToCollectingContext(h);

        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        await h.Consumed<IncidentTriaged>(m => m.IncidentId == id && m.Result.Severity == Severities.Low);

        var incident = await h.InState(id, h.Machine.CollectingContext);
        Assert.Equal(Severities.Critical, incident.Triage!.Severity);
        Assert.Empty(h.Sent<NotifyIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task A_timeout_scheduled_by_an_orchestrator_before_the_deadline_sweep_still_times_its_step_out()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.WaitAwaited(id, IncidentSteps.Triage, 1);
        // As an incident stored by that orchestrator has it: the token of the timeout it scheduled.
        var token = Guid.NewGuid();
        h.Saga.Sagas.Contains(id)!.StepTimeoutTokenId = token;

        await h.Harness.Bus.Publish(new StepTimedOut { IncidentId = id, Step = IncidentSteps.Triage, Attempt = 1 },
            context => context.Headers.Set(MessageHeaders.SchedulingTokenId, token));

        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Triage && t.Attempt == 1 && t.Event == "step failed");
        // Its token is gone with it, and nothing new is scheduled.
        Assert.Null(incident.StepTimeoutTokenId);
        Assert.Empty(h.Sent<StepTimedOut>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Timeout_of_a_step_that_replied_in_time_never_fires()
    {
        // Context waits longer than triage, so only triage's (cancelled) timeout falls inside the advance.
        var workflow = IncidentWorkflow.Default with
        {
            Steps = new Dictionary<string, StepPolicy>(IncidentWorkflow.Default.Steps)
            {
                [IncidentSteps.Context] = new(TimeSpan.FromMinutes(5), 2),
            },
        };
        await using var h = await SagaHarness.Start(workflow);
        var id = await ToCollectingContext(h);

        // Triage's deadline went with its reply: past it, nothing is due (context waits five minutes).
        Assert.False(await h.AdvanceAndSweep(id, IncidentSteps.Context, 1, TimeSpan.FromSeconds(31)));
        // A sweep that read the row just before triage's reply was handled: its overdue triage is stale and ignored.
        await h.Publish(new StepOverdue { IncidentId = id, Step = IncidentSteps.Triage, Attempt = 1, Deadline = h.Clock.GetUtcNow() });
        await h.Consumed<StepOverdue>(m => m.IncidentId == id && m.Step == IncidentSteps.Triage);

        var incident = await h.InState(id, h.Machine.CollectingContext);
        Assert.Equal(1, incident.StepAttempt);
        Assert.DoesNotContain(incident.Timeline, t => t.Event == "step failed");
        Assert.False(h.Harness.Published.Select<Fault<StepOverdue>>().Any(), "a stale timeout faulted the saga");
        Assert.Empty(h.Sent<NotifyIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Repeated_alert_attaches_to_the_open_incident_instead_of_opening_another()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        var repeatId = NewId.NextGuid();

        await h.Publish(new AlertReceived { IncidentId = repeatId, Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        await h.Consumed<AlertReceived>(m => m.IncidentId == repeatId);

        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(2, incident.AlertCount);
        Assert.Contains(incident.Timeline, t => t.Event == "duplicate alert attached");
        Assert.Null(h.Saga.Sagas.Contains(repeatId));
        Assert.Single(h.Sent<TriageIncident>(m => m.IncidentId == id));
    }

    [Fact]
    public async Task Repeats_in_a_row_are_counted_in_one_timeline_entry_and_a_later_run_starts_another()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id);
        var lengthBefore = h.Saga.Sagas.Contains(id)!.Timeline.Count;

        for (var i = 0; i < 4; i++)
        {
            var repeat = NewId.NextGuid();
            await h.Publish(new AlertReceived { IncidentId = repeat, Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
            await h.Consumed<AlertReceived>(m => m.IncidentId == repeat);
        }

        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(5, incident.AlertCount);
        Assert.Equal(lengthBefore + 1, incident.Timeline.Count);
        var run = incident.Timeline[^1];
        Assert.Equal(("duplicate alert attached", 4, 2), (run.Event, run.Count, run.Attempt));
        Assert.StartsWith("repeats #2 to #5 of fp-auth-errors", run.Detail, StringComparison.Ordinal);
        Assert.NotNull(run.LastAt);

        // Another event in between: the next repeat starts a run of its own.
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        var late = NewId.NextGuid();
        await h.Publish(new AlertReceived { IncidentId = late, Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        await h.Consumed<AlertReceived>(m => m.IncidentId == late);
        incident = h.Saga.Sagas.Contains(id)!;
        var runs = incident.Timeline.Where(t => t.Event == "duplicate alert attached").ToList();
        Assert.Equal([4, null], runs.Select(t => t.Count));
        Assert.Equal(6, runs[^1].Attempt);
    }

    [Fact]
    public async Task Redelivered_opening_alert_sends_the_awaited_command_again_instead_of_attaching_a_duplicate()
    {
        // A broker outage after the incident was saved but before the in-memory outbox sent its TriageIncident: the
        // AlertReceived is retried or redelivered, finds the saved incident, and must not leave it without its command.
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id);

        await h.Publish(new AlertReceived { IncidentId = id, Alert = Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });

        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && h.Sent<TriageIncident>(x => x.IncidentId == id).Count == 2);
        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.Equal(1, incident.AlertCount);
        Assert.DoesNotContain(incident.Timeline, t => t.Event == "duplicate alert attached");
        Assert.Contains(incident.Timeline, t => t.Event == "resumed" && t.Step == IncidentSteps.Triage && t.Attempt == 1);
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
    }

    [Fact]
    public async Task Resolved_source_status_is_recorded_on_the_open_incident_and_starts_none()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        await h.Publish(new AlertStatusReported
        {
            EventId = NewId.NextGuid(), Fingerprint = "fp-auth-errors", Status = "resolved", Format = "generic",
            Summary = "recovered", ReceivedAt = DateTimeOffset.UtcNow,
        });
        await h.Publish(new AlertStatusReported
        {
            EventId = NewId.NextGuid(), Fingerprint = "fp-nobody", Status = "resolved", Format = "generic",
            Summary = "unknown", ReceivedAt = DateTimeOffset.UtcNow,
        });
        await h.Consumed<AlertStatusReported>(m => m.Fingerprint == "fp-nobody");
        await h.Consumed<AlertStatusReported>(m => m.Fingerprint == "fp-auth-errors");

        var incident = h.Saga.Sagas.Contains(id)!;
        Assert.True(incident.SourceResolved);
        Assert.Contains(incident.Timeline, t => t.Event == "source reports resolved");
        Assert.Single(h.Saga.Sagas.Select(_ => true).ToList());
    }

    [Fact]
    public async Task Closed_incident_does_not_absorb_a_new_alert_with_the_same_fingerprint()
    {
        await using var h = await SagaHarness.Start();
        var first = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = first, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == first);
        await h.Publish(new IncidentNotified { IncidentId = first, Attempt = 1, Notification = Samples.Notification(NotificationKinds.LowPriority) });
        await h.InState(first, h.Machine.Closed);

        var second = await h.RaiseAlert();

        Assert.NotEqual(first, second);
        Assert.Equal(1, h.Saga.Sagas.Contains(first)!.AlertCount);
    }

    [Fact]
    public async Task Resume_after_a_restart_sends_the_awaited_command_again_and_the_flow_goes_on()
    {
        await using var h = await SagaHarness.Start();
        var id = await ToInvestigating(h);
        await h.Publish(new IncidentInvestigationFailed { IncidentId = id, Attempt = 1, Reason = "rate limited" });
        await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });

        await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2 && h.Sent<InvestigateIncident>(x => x.IncidentId == id && x.Attempt == 2).Count == 2);
        var again = h.Sent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2)[^1];
        Assert.Equal("rate limited", again.PreviousFailure);
        Assert.Contains(h.Saga.Sagas.Contains(id)!.Timeline, t => t.Event == "resumed" && t.Attempt == 2);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 2, Hypothesis = Samples.Hypothesis() });
        await h.InState(id, h.Machine.Remediating);
    }

    [Fact]
    public async Task Resume_of_an_ended_incident_sends_nothing()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(severity: Severities.Low) });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id);
        await h.Publish(new IncidentNotified { IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.LowPriority) });
        await h.InState(id, h.Machine.Closed);

        await h.Publish(new ResumeIncident { IncidentId = id, Reason = "test restart" });
        await h.Consumed<ResumeIncident>(m => m.IncidentId == id);

        Assert.Single(h.Sent<NotifyIncident>(m => m.IncidentId == id));
        Assert.DoesNotContain(h.Saga.Sagas.Contains(id)!.Timeline, t => t.Event == "resumed");
    }

    [Fact]
    public async Task Saga_fault_sends_exactly_one_emergency_page()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        h.Clock.Broken = true;
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        var page = await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Emergency);
        h.Clock.Broken = false;

        Assert.Equal(IncidentStateMachine.EmergencyAttempt, page.Attempt);
        Assert.Contains("clock is broken", page.Reason);
        Assert.NotNull(await h.Harness.WaitPublished<Fault<IncidentTriaged>>(f => f.Context.Message.Message.IncidentId == id));
        Assert.Single(h.Sent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Emergency));
    }

    [Fact]
    public async Task Saga_faults_on_several_messages_of_one_incident_still_page_once()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();

        h.Clock.Broken = true;
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Emergency);
        await h.Publish(new IncidentTriageFailed { IncidentId = id, Attempt = 1, Reason = "again" });
        Assert.NotNull(await h.Harness.WaitPublished<Fault<IncidentTriageFailed>>(f => f.Context.Message.Message.IncidentId == id));
        h.Clock.Broken = false;

        Assert.Single(h.Sent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Emergency));
    }

    private static async Task<Guid> ToCollectingContext(SagaHarness h)
    {
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage() });
        await h.InState(id, h.Machine.CollectingContext);
        return id;
    }

    private static async Task<Guid> ToInvestigating(SagaHarness h)
    {
        var id = await ToCollectingContext(h);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        return id;
    }

    private static async Task<Guid> ToRemediating(SagaHarness h)
    {
        var id = await ToInvestigating(h);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis() });
        await h.InState(id, h.Machine.Remediating);
        return id;
    }
}

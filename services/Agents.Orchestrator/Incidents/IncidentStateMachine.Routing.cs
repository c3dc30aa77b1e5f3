using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Workflows;
using MassTransit;
using Outcomes = Agents.Hosting.AgentsTelemetry.Outcomes;

namespace Agents.Orchestrator.Incidents;

/// <summary>The routing decisions of the incident workflow (see mission.md): what runs after each reply.</summary>
public sealed partial class IncidentStateMachine
{
    private async Task Open(BehaviorContext<IncidentState, AlertReceived> ctx)
    {
        var incident = ctx.Saga;
        var alert = ctx.Message.Alert;
        incident.Fingerprint = alert.Fingerprint;
        incident.Alert = alert;
        incident.IsOpen = true;
        incident.AlertCount = 1;
        incident.CreatedAt = _clock.GetUtcNow();
        incident.TraceId = Activity.Current?.TraceId.ToString();
        incident.TraceParent = Activity.Current?.Id;
        Record(incident, IncidentSteps.Intake, 1, "alert received", $"{alert.Format} alert from {alert.Source}: {alert.Summary}");
        ChooseWorkflow(incident);
        OrchestratorLog.IncidentOpened(_logger, incident.CorrelationId, alert.Fingerprint, alert.Summary);
        await StartStep(ctx, IncidentSteps.Triage, 1, null);
    }

    /// <summary>
    /// The alert that opened the incident was delivered again (a retry after its commands failed to go out, or a
    /// redelivery after a broker outage): the awaited step's command is sent again. An agent that already had it answers
    /// twice; the second reply is ignored as stale.
    /// </summary>
    private Task OpenedAgain(BehaviorContext<IncidentState, AlertReceived> ctx)
    {
        var incident = ctx.Saga;
        Record(incident, incident.CurrentStep, incident.StepAttempt, "resumed",
            $"the alert that opened the incident was delivered again; {incident.CurrentStep} attempt {incident.StepAttempt} sent again");
        return SendAwaitedCommand(ctx, incident.Timeline
            .LastOrDefault(t => t.Step == incident.CurrentStep && t.Attempt == incident.StepAttempt - 1 && t.Event == "step failed")?.Detail);
    }

    private void AttachDuplicate(BehaviorContext<IncidentState, AlertReceived> ctx)
    {
        var incident = ctx.Saga;
        if (Array.IndexOf(incident.RecentAlertIds, ctx.Message.IncidentId) >= 0)
        {
            // The same repeat read again (its body was redelivered): it was counted the first time.
            OrchestratorLog.RepeatReadAgain(_logger, incident.CorrelationId, ctx.Message.IncidentId);
            var updated = incident.UpdatedAt;
            Record(incident, IncidentSteps.Intake, incident.AlertCount, RepeatReadAgain,
                $"repeat {ctx.Message.IncidentId} of {ctx.Message.Alert.Fingerprint} read again (its webhook body was delivered again); counted once");
            if (IsEnded(incident))
            {
                incident.UpdatedAt = updated; // an ended incident's age (and so its retention) does not move for this
            }

            return;
        }

        incident.RecentAlertIds = [.. incident.RecentAlertIds.Skip(Math.Max(0, incident.RecentAlertIds.Length + 1 - MaxRecentAlertIds)), ctx.Message.IncidentId];
        incident.AlertCount++;
        var number = incident.AlertCount;
        var fingerprint = ctx.Message.Alert.Fingerprint;
        if (incident.Timeline.Count > 0 && incident.Timeline[^1] is { Event: DuplicateAttached } run)
        {
            // Repeats in a row are counted in the entry that started the run: the row does not grow with an alert storm.
            var count = (run.Count ?? 1) + 1;
            var now = _clock.GetUtcNow();
            incident.UpdatedAt = now;
            incident.Timeline = [.. incident.Timeline.Take(incident.Timeline.Count - 1), run with
            {
                Count = count, LastAt = now,
                Detail = $"repeats #{number - count + 1} to #{number} of {fingerprint}, the last received {ctx.Message.ReceivedAt:O}",
            }];
            return;
        }

        Record(incident, IncidentSteps.Intake, number, DuplicateAttached, $"repeat #{number} of {fingerprint}, received {ctx.Message.ReceivedAt:O}");
    }

    /// <summary>The timeline event of a repeat whose body was delivered again: recorded, not counted.</summary>
    internal const string RepeatReadAgain = "repeat read again";

    /// <summary>How many of the newest repeats' intake ids an incident keeps, to know a repeat read again.</summary>
    internal const int MaxRecentAlertIds = 32;

    /// <summary>The timeline event of a repeat of the alert attached to the incident (repeats in a row share one, counted).</summary>
    internal const string DuplicateAttached = "duplicate alert attached";

    private void RecordSourceStatus(BehaviorContext<IncidentState, AlertStatusReported> ctx)
    {
        var incident = ctx.Saga;
        Record(incident, IncidentSteps.Intake, incident.AlertCount, $"source reports {ctx.Message.Status}", ctx.Message.Summary);
        if (ctx.Message.Status == "resolved")
        {
            incident.SourceResolved = true;
            if (incident.CurrentState == Escalated.Name)
            {
                // The human has the incident; once the source is resolved too, a new alert starts a new incident.
                incident.IsOpen = false;
            }
        }
    }

    private Task OnTriaged(BehaviorContext<IncidentState, IncidentTriaged> ctx)
    {
        if (ReplyValidator.Triage(ctx.Saga, ctx.Message.Result) is { } invalid)
        {
            return StepFailed(ctx, invalid, Outcomes.Invalid);
        }

        StepSucceeded(ctx);

        var result = ctx.Message.Result;
        ctx.Saga.Triage = result;
        Written(ctx.Saga, IncidentSegments.Alert, result, ctx.Message.Attempt, "alert segment written",
            $"{result.Severity} {result.ErrorType} on {result.Service}: {result.Rationale}");
        if (WorkflowOf(ctx.Saga).ShortCircuitSeverities.Contains(result.Severity))
        {
            ctx.Saga.PendingOutcome = IncidentStatuses.Closed;
            return StartNotification(ctx, NotificationKinds.LowPriority, 1);
        }

        return Advance(ctx, IncidentSteps.Triage);
    }

    private Task OnContextCollected(BehaviorContext<IncidentState, IncidentContextCollected> ctx)
    {
        if (ReplyValidator.Context(ctx.Saga, ctx.Message.Context) is { } invalid)
        {
            return StepFailed(ctx, invalid, Outcomes.Invalid);
        }

        StepSucceeded(ctx);

        var context = ctx.Message.Context;
        ctx.Saga.Context = context;
        Written(ctx.Saga, IncidentSegments.Context, context, ctx.Message.Attempt, "context segment written",
            $"{context.RecentDeploys.Count} deploy(s), {context.Metrics.Count} metric(s) from {string.Join(", ", context.Sources)}");
        return Advance(ctx, IncidentSteps.Context);
    }

    private Task OnInvestigated(BehaviorContext<IncidentState, IncidentInvestigated> ctx)
    {
        var hypothesis = ctx.Message.Hypothesis;
        if (ReplyValidator.Hypothesis(ctx.Saga, hypothesis) is { } invalid)
        {
            return StepFailed(ctx, invalid, Outcomes.Invalid);
        }

        StepSucceeded(ctx);

        ctx.Saga.Hypothesis = hypothesis;
        Written(ctx.Saga, IncidentSegments.Hypothesis, hypothesis, ctx.Message.Attempt, "hypothesis segment written",
            string.Create(CultureInfo.InvariantCulture, $"{hypothesis.Category} ({hypothesis.Confidence:0.00}): {hypothesis.Summary}"));
        var minimum = WorkflowOf(ctx.Saga).MinimumConfidence;
        if (hypothesis.Confidence < minimum)
        {
            return Escalate(ctx, string.Create(CultureInfo.InvariantCulture,
                $"the investigation is not confident enough to act ({hypothesis.Confidence:0.00} < {minimum:0.00}): {hypothesis.Summary}"));
        }

        return Advance(ctx, IncidentSteps.Investigation);
    }

    private Task OnRemediated(BehaviorContext<IncidentState, IncidentRemediated> ctx)
    {
        if (ReplyValidator.Remediation(ctx.Saga, ctx.Message.Result) is { } invalid)
        {
            return StepFailed(ctx, invalid, Outcomes.Invalid);
        }

        StepSucceeded(ctx);

        var result = ctx.Message.Result;
        if (ExecutionOf(result) == RemediationExecutions.ApprovalRequired)
        {
            // A plan, not an action: the segment is written by what is done with it once a human decided.
            return RequestPlanApproval(ctx, result);
        }

        ctx.Saga.Remediation = result;
        Written(ctx.Saga, IncidentSegments.Remediation, result, ctx.Message.Attempt, "remediation segment written",
            $"{result.ActionId} ({ExecutionOf(result)}): {result.Outcome}");
        return AfterRemediation(ctx, result);
    }

    private Task OnNotified(BehaviorContext<IncidentState, IncidentNotified> ctx)
    {
        StepSucceeded(ctx);
        var notification = ctx.Message.Notification;
        ctx.Saga.Notifications = [.. ctx.Saga.Notifications, notification];
        Written(ctx.Saga, IncidentSegments.Notifications, ctx.Saga.Notifications, ctx.Message.Attempt, "notification sent",
            $"{notification.Kind} ({notification.Priority}) via {string.Join(", ", notification.Channels)}: {notification.Title}");
        return Finish(ctx, ctx.Saga.PendingOutcome ?? IncidentStatuses.Resolved);
    }

    /// <summary>The awaited step answered and its answer passed validation.</summary>
    private void StepSucceeded(BehaviorContext<IncidentState> ctx) =>
        IncidentTelemetry.StepEnded(ctx, ctx.Saga, Outcomes.Ok, null, _clock.GetUtcNow());

    /// <summary>
    /// A failure, timeout, fault or invalid output (<paramref name="outcome"/>, one of <see cref="Outcomes"/>) of the
    /// awaited step: retry per policy, or escalate.
    /// </summary>
    private Task StepFailed(BehaviorContext<IncidentState> ctx, string reason, string outcome)
    {
        var incident = ctx.Saga;
        var step = incident.CurrentStep;
        var attempt = incident.StepAttempt;
        var policy = WorkflowOf(incident).Step(step);
        IncidentTelemetry.StepEnded(ctx, incident, outcome, reason, _clock.GetUtcNow());
        Record(incident, step, attempt, "step failed", reason);
        OrchestratorLog.StepFailed(_logger, incident.CorrelationId, step, attempt, policy.Attempts, reason);

        if (step != IncidentSteps.Remediation && attempt < policy.Attempts)
        {
            return step == IncidentSteps.Notification
                ? StartNotification(ctx, incident.NotificationKind ?? NotificationKinds.Escalation, attempt + 1)
                : StartStep(ctx, step, attempt + 1, reason);
        }

        var exhausted = step == IncidentSteps.Remediation
            ? $"remediation failed (never retried blindly): {reason}"
            : $"{step} failed after {attempt} attempt(s): {reason}";
        if (policy.OnExhausted == ExhaustedPolicies.Fail)
        {
            return Fail(ctx, exhausted);
        }

        if (step == IncidentSteps.Notification)
        {
            // The agent that would page a human is the one failing: end escalated and say so loudly.
            incident.EscalationReason ??= exhausted;
            IncidentTelemetry.Escalated(ctx, step);
            OrchestratorLog.NotificationImpossible(_logger, incident.CorrelationId, incident.EscalationReason);
            return Finish(ctx, IncidentStatuses.Escalated);
        }

        return Escalate(ctx, exhausted);
    }

    /// <summary>The step's policy says <c>onExhausted: fail</c>: the incident ends Failed, nobody is paged.</summary>
    private Task Fail(BehaviorContext<IncidentState> ctx, string reason)
    {
        ctx.Saga.FailureReason = reason;
        OrchestratorLog.IncidentFailed(_logger, ctx.Saga.CorrelationId, reason);
        return Finish(ctx, IncidentStatuses.Failed);
    }

    private Task Escalate(BehaviorContext<IncidentState> ctx, string reason)
    {
        ctx.Saga.EscalationReason = reason;
        ctx.Saga.PendingOutcome = IncidentStatuses.Escalated;
        Record(ctx.Saga, ctx.Saga.CurrentStep, ctx.Saga.StepAttempt, "escalated", reason);
        IncidentTelemetry.Escalated(ctx, ctx.Saga.CurrentStep);
        OrchestratorLog.Escalating(_logger, ctx.Saga.CorrelationId, reason);
        return StartNotification(ctx, NotificationKinds.Escalation, 1);
    }

    private async Task StartStep(BehaviorContext<IncidentState> ctx, string step, int attempt, string? previousFailure)
    {
        var incident = ctx.Saga;
        if (step == IncidentSteps.Remediation)
        {
            // Every remediation dispatch is a decision of its own in the execution ledger: its attempt is never reused.
            attempt = ++incident.RemediationAttempts;
        }

        // The old deadline goes first: whoever reads the instance meanwhile never sees the new step under the old deadline.
        incident.StepDeadline = null;
        incident.CurrentStep = step;
        incident.StepAttempt = attempt;
        incident.StepStartedAt = _clock.GetUtcNow();
        Record(incident, step, attempt, "dispatched", previousFailure is null ? null : $"retry; previous attempt: {previousFailure}");
        if (attempt > 1 && step != IncidentSteps.Remediation)
        {
            IncidentTelemetry.Retried(ctx, step);
        }

        await SendAwaitedCommand(ctx, previousFailure);
        await ctx.TransitionToState(step switch
        {
            IncidentSteps.Triage => Triaging,
            IncidentSteps.Context => CollectingContext,
            IncidentSteps.Investigation => Investigating,
            IncidentSteps.Approval => AwaitingApproval,
            IncidentSteps.Remediation => Remediating,
            _ when IsPlugin(incident, step) => RunningStep,
            _ => throw new InvalidOperationException($"'{step}' is not a step StartStep runs (notification has StartNotification)."),
        });
    }

    private async Task StartNotification(BehaviorContext<IncidentState> ctx, string kind, int attempt)
    {
        var incident = ctx.Saga;
        incident.StepDeadline = null;
        incident.CurrentStep = IncidentSteps.Notification;
        incident.StepAttempt = attempt;
        incident.StepStartedAt = _clock.GetUtcNow();
        incident.NotificationKind = kind;
        Record(incident, IncidentSteps.Notification, attempt, "dispatched", kind);
        if (attempt > 1)
        {
            IncidentTelemetry.Retried(ctx, IncidentSteps.Notification);
        }

        await SendAwaitedCommand(ctx, null);
        await ctx.TransitionToState(Notifying);
    }

    /// <summary>
    /// Sends the command of the step and attempt the incident awaits (again, when resuming after a restart); the span
    /// that sends it is the parent of the step's span when it is in the incident's trace, the incident's first span otherwise.
    /// </summary>
    private async Task SendAwaitedCommand(BehaviorContext<IncidentState> ctx, string? previousFailure)
    {
        var incident = ctx.Saga;
        if (incident.CurrentStep == IncidentSteps.Approval && incident.Approval?.Kind == HumanApprovalKind)
        {
            // A human's decision comes through the API; the page asking for it goes outside the workflow's steps (again
            // after a restart: a second page is better than none).
            await Send(ctx, AgentQueues.Notification, new NotifyIncident
            {
                IncidentId = incident.CorrelationId,
                Attempt = EmergencyAttempt,
                Kind = NotificationKinds.ApprovalRequest,
                Incident = Snapshot(incident, incident.CurrentState),
                Reason = incident.Approval.Plan is { } plan
                    ? $"{plan.ActionId}{(plan.Target is { } target ? $" on {target}" : "")} with {Describe(plan.Parameters)} waits for your approval until {plan.Deadline:u} (request {plan.Hash[..12]}…)"
                    : $"remediation waits for your approval until {(incident.Approval.RequestedAt + incident.Approval.Timeout):u}",
                EventKey = $"{NotificationKinds.ApprovalRequest}-{incident.ApprovalRequests}",
            });
            return;
        }

        if (incident.CurrentStep == IncidentSteps.Verification)
        {
            if (VerificationCheck(incident) is { } check)
            {
                await Send(ctx, AgentQueues.Remediation, check);
            }

            return;
        }

        var attempt = incident.StepAttempt;
        // Work that arrived outside the incident's trace (an operator's re-run) still hangs its step span in it.
        incident.StepTraceParent = Activity.Current is { } current && current.TraceId.ToString() == incident.TraceId
            ? current.Id
            : incident.TraceParent ?? Activity.Current?.Id;
        var (queue, command) = incident.CurrentStep switch
        {
            IncidentSteps.Triage => (AgentQueues.Triage, (object)new TriageIncident
            {
                IncidentId = incident.CorrelationId, Attempt = attempt, Alert = incident.Alert, PreviousFailure = previousFailure,
            }),
            IncidentSteps.Context => (AgentQueues.Context, new CollectIncidentContext
            {
                IncidentId = incident.CorrelationId, Attempt = attempt, Alert = incident.Alert, Triage = incident.Triage!,
                PreviousFailure = previousFailure,
            }),
            IncidentSteps.Investigation => (AgentQueues.Investigation, new InvestigateIncident
            {
                IncidentId = incident.CorrelationId, Attempt = attempt, Triage = incident.Triage!, Context = incident.Context!,
                PreviousFailure = previousFailure,
            }),
            IncidentSteps.Approval => (AgentQueues.Deliberation, ApprovalRequest(incident)),
            IncidentSteps.Remediation => (AgentQueues.Remediation, new RemediateIncident
            {
                IncidentId = incident.CorrelationId, Attempt = attempt, Service = incident.Triage!.Service,
                Hypothesis = incident.Hypothesis!, Context = incident.Context!, Fingerprint = incident.Fingerprint,
                // The step's deadline: a command consumed after it never acts (a resume sends again under the deadline kept).
                NotAfter = incident.StepDeadline ?? _clock.GetUtcNow() + StepTimeoutOf(incident),
                RequireApproval = WorkflowOf(incident).HumanApprovalTimeout is not null,
                Approved = ApprovedPlan(incident, attempt),
            }),
            IncidentSteps.Notification => (AgentQueues.Notification, new NotifyIncident
            {
                IncidentId = incident.CorrelationId,
                Attempt = attempt,
                Kind = incident.NotificationKind ?? NotificationKinds.Escalation,
                Incident = Snapshot(incident, incident.PendingOutcome ?? incident.CurrentState),
                Reason = NotificationKinds.PagesHuman(incident.NotificationKind ?? NotificationKinds.Escalation) ? incident.EscalationReason : null,
                // The n-th notification step of the incident: its retries and a resume send the same event again.
                EventKey = $"{incident.NotificationKind ?? NotificationKinds.Escalation}-"
                    + incident.Timeline.Count(t => t.Step == IncidentSteps.Notification && t.Event == "dispatched" && t.Attempt == 1),
                Step = incident.Timeline.LastOrDefault(t => t.Event == "escalated")?.Step is { } escalatedAt && incident.PendingOutcome == IncidentStatuses.Escalated
                    ? escalatedAt
                    : incident.Timeline.LastOrDefault(t => t.Step is not (IncidentSteps.Notification or IncidentSteps.Intake or IncidentSteps.Operator))?.Step,
            }),
            _ when IsPlugin(incident, incident.CurrentStep) => (WorkflowOf(incident).Find(incident.CurrentStep)!.Agent ?? incident.CurrentStep,
                PluginCommand(incident, WorkflowOf(incident), previousFailure)),
            _ => throw new InvalidOperationException($"'{incident.CurrentStep}' is not a step the orchestrator dispatches."),
        };

        await Send(ctx, queue, command);
    }

    private async Task Finish(BehaviorContext<IncidentState> ctx, string outcome)
    {
        var incident = ctx.Saga;
        incident.PendingOutcome = null;
        // An escalated incident stays open for its repeats until its source resolves; the others close. One a human (or
        // the maximum open age) closed before stays closed to repeats when a re-run escalates it again: its alert's
        // repeats may already have opened a newer incident.
        incident.IsOpen = outcome == IncidentStatuses.Escalated && !incident.SourceResolved
            && !incident.Timeline.Any(t => t.Event is ResolvedByOperator or ClosedPastMaxOpenAge);
        Record(incident, incident.CurrentStep, incident.StepAttempt, outcome.ToLowerInvariant(), outcome switch
        {
            IncidentStatuses.Escalated => incident.EscalationReason,
            IncidentStatuses.Failed => incident.FailureReason,
            _ => null,
        });
        OrchestratorLog.IncidentEnded(_logger, incident.CorrelationId, outcome, _clock.GetUtcNow() - incident.CreatedAt);
        IncidentTelemetry.Ended(ctx, outcome, _clock.GetUtcNow() - incident.CreatedAt);
        await ctx.TransitionToState(outcome switch
        {
            IncidentStatuses.Resolved => Resolved,
            IncidentStatuses.Closed => Closed,
            IncidentStatuses.Failed => Failed,
            _ => Escalated,
        });
    }

    private void RecordIgnored(BehaviorContext<IncidentState> ctx, string step, int attempt, string what)
    {
        if (attempt == EmergencyAttempt && step == IncidentSteps.Notification)
        {
            Record(ctx.Saga, step, attempt, "emergency page answered", what);
            return;
        }

        var detail = $"{what} for {step} attempt {attempt} ignored: the incident is {ctx.Saga.CurrentState}, "
            + $"awaiting {(IsEnded(ctx.Saga) ? "nothing" : $"{ctx.Saga.CurrentStep} attempt {ctx.Saga.StepAttempt}")}";
        Record(ctx.Saga, step, attempt, "late reply ignored", detail);
        OrchestratorLog.Ignored(_logger, ctx.Saga.CorrelationId, detail);
    }

    private void Record(IncidentState incident, string step, int attempt, string what, string? detail, string? actor = null) =>
        Record(incident, new TimelineEntry { At = _clock.GetUtcNow(), Step = step, Attempt = attempt, Event = what, Detail = detail, Actor = actor });

    private static void Record(IncidentState incident, TimelineEntry entry)
    {
        incident.UpdatedAt = entry.At;
        incident.Timeline = TimelineBound.Append(incident.Timeline, entry);
    }

    /// <summary>
    /// A segment was written by its owner's reply (the caller has set it on the incident): its next version is kept,
    /// with the value, in the incident's revisions, and the timeline says which version this event made.
    /// </summary>
    private void Written<T>(IncidentState incident, string segment, T value, int attempt, string what, string? detail)
    {
        var now = _clock.GetUtcNow();
        var step = IncidentSegments.All.Contains(segment) ? IncidentSegments.OwnerStep(segment) : segment;
        var version = incident.Revisions.Where(r => r.Segment == segment).Select(r => r.Version).DefaultIfEmpty(0).Max() + 1;
        Revise(incident, segment, version, step, attempt, "written", JsonSerializer.SerializeToElement(value, RevisionJson));
        Record(incident, new TimelineEntry
        {
            At = now, Step = step, Attempt = attempt, Event = what, Detail = detail, Segment = segment, SegmentVersion = version,
        });
    }

    private static readonly JsonSerializerOptions RevisionJson = new(JsonSerializerDefaults.Web);

    /// <summary>Sends <paramref name="command"/> with the incident's severity in a header, for the agents' spans.</summary>
    private static async Task Send(BehaviorContext<IncidentState> ctx, string queue, object command)
    {
        var endpoint = await ctx.GetSendEndpoint(AgentQueues.Address(queue));
        var severity = IncidentTelemetry.Severity(ctx.Saga);
        await endpoint.Send(command, send =>
        {
            if (severity is not null)
            {
                send.Headers.Set(Hosting.AgentsTelemetry.SeverityHeader, severity);
            }
        }, ctx.CancellationToken);
    }

    /// <summary>
    /// Adds the tokens of an agent's reply to the incident. They count as orchestration overhead unless they answer the
    /// first attempt of a step that is awaited, in an incident no operator has re-run.
    /// </summary>
    private static void CountTokens<T>(BehaviorContext<IncidentState, T> ctx, string step, int attempt)
        where T : class
    {
        if (ctx.Message is not IStepReply reply)
        {
            return; // a Fault<T>: the agent crashed before it could report anything
        }

        var incident = ctx.Saga;
        var overhead = attempt != 1 || !IsAwaited(incident, step, attempt)
            || incident.Timeline.Any(t => t.Event == RerunRecorded);
        incident.Tokens = incident.Tokens.Add(step, reply.Tokens, overhead);
        IncidentTelemetry.TokensReported(ctx, step, reply.Tokens, overhead);
    }

    internal static IncidentSnapshot Snapshot(IncidentState incident, string status) => new()
    {
        IncidentId = incident.CorrelationId,
        Status = status,
        Fingerprint = incident.Fingerprint,
        AlertCount = incident.AlertCount,
        Alert = incident.Alert,
        Triage = incident.Triage,
        Context = incident.Context,
        Hypothesis = incident.Hypothesis,
        Remediation = incident.Remediation,
        Verification = incident.Verification,
        Approval = incident.Approval,
        EscalationReason = incident.EscalationReason,
        CreatedAt = incident.CreatedAt,
        AcknowledgedBy = incident.AcknowledgedBy,
        AcknowledgedAt = incident.AcknowledgedAt,
    };
}

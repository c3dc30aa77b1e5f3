using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Steps;
using Agents.Contracts.Triage;
using Agents.Hosting.Catalog;
using Agents.Orchestrator.Workflows;
using MassTransit;
using Microsoft.Extensions.Logging;
using Outcomes = Agents.Hosting.AgentsTelemetry.Outcomes;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The sole router of an incident: the routing rules of the workflow file choose its workflow when it opens, and the
/// incident then runs that workflow's steps in order: triage, then (unless the severity short-circuits) the steps the
/// workflow lists (context, investigation, plug-in steps, remediation behind the optional approval gate,
/// <c>IncidentStateMachine.Approval.cs</c>), and notification. Every reply is checked against the step and attempt the
/// incident waits for; anything else is recorded in the timeline and ignored. The routing decisions are in
/// <c>IncidentStateMachine.Routing.cs</c>, plug-in steps in <c>IncidentStateMachine.Plugins.cs</c>.
/// </summary>
public sealed partial class IncidentStateMachine : MassTransitStateMachine<IncidentState>
{
    private readonly WorkflowCatalog _workflows;
    private readonly ServiceCatalog? _catalog;
    private readonly TimeProvider _clock;
    private readonly ILogger<IncidentStateMachine> _logger;

    public IncidentStateMachine(WorkflowCatalog workflows, TimeProvider clock, ILogger<IncidentStateMachine> logger, ServiceCatalog? catalog = null)
    {
        _workflows = workflows;
        _catalog = catalog;
        _clock = clock;
        _logger = logger;

        InstanceState(x => x.CurrentState);

        Event(() => AlertReceived, e =>
        {
            // The open incident of its fingerprint, or the incident this very message opened or was attached to as a
            // repeat (read again after that incident ended: the intake derives the id from the body's message id, so a
            // redelivered body names it too).
            e.CorrelateBy((incident, ctx) =>
                (incident.Fingerprint == ctx.Message.Alert.Fingerprint && incident.IsOpen) || incident.CorrelationId == ctx.Message.IncidentId
                || new[] { ctx.Message.IncidentId }.All(id => incident.RecentAlertIds.Contains(id))); // id <@ recent_alert_ids: the GIN index
            e.SelectId(ctx => ctx.Message.IncidentId);
        });
        Event(() => AlertStatusReported, e =>
        {
            e.CorrelateBy((incident, ctx) => incident.Fingerprint == ctx.Message.Fingerprint && incident.IsOpen);
            e.OnMissingInstance(m => m.ExecuteAsync(ctx =>
            {
                OrchestratorLog.StatusWithoutIncident(_logger, ctx.Message.Status, ctx.Message.Fingerprint);
                return Task.CompletedTask;
            }));
        });
        Reply(() => Triaged, m => m.IncidentId);
        Reply(() => TriageFailed, m => m.IncidentId);
        Reply(() => TriageFaulted, m => m.Message.IncidentId);
        Reply(() => ContextCollected, m => m.IncidentId);
        Reply(() => ContextFailed, m => m.IncidentId);
        Reply(() => ContextFaulted, m => m.Message.IncidentId);
        Reply(() => Investigated, m => m.IncidentId);
        Reply(() => InvestigationFailed, m => m.IncidentId);
        Reply(() => InvestigationFaulted, m => m.Message.IncidentId);
        Reply(() => Remediated, m => m.IncidentId);
        Reply(() => RemediationFailed, m => m.IncidentId);
        Reply(() => RemediationFaulted, m => m.Message.IncidentId);
        Reply(() => RemediationCheckAnswered, m => m.IncidentId);
        Reply(() => RemediationCheckFaulted, m => m.Message.IncidentId);
        Reply(() => Notified, m => m.IncidentId);
        Reply(() => NotificationFailed, m => m.IncidentId);
        Reply(() => NotificationFaulted, m => m.Message.IncidentId);
        Reply(() => PluginCompleted, m => m.IncidentId);
        Reply(() => PluginFailed, m => m.IncidentId);
        Reply(() => PluginFaulted, m => m.Message.IncidentId);

        Event(() => ResumeRequested, e =>
        {
            e.CorrelateById(ctx => ctx.Message.IncidentId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => ApprovalConcluded, e =>
        {
            // Published for every deliberation: only the approval an incident asked for last finds one.
            e.CorrelateBy((incident, ctx) => incident.ApprovalDeliberationId == ctx.Message.DeliberationId);
            e.OnMissingInstance(m => m.ExecuteAsync(ctx =>
            {
                if (ctx.Message.Kind == RemediationApproval.Kind || _workflows.Current.Workflows.Values.Any(w => w.Approval?.Kind == ctx.Message.Kind))
                {
                    OrchestratorLog.ApprovalWithoutIncident(_logger, ctx.Message.DeliberationId, ctx.Message.Kind, ctx.Message.Outcome);
                }

                return Task.CompletedTask;
            }));
        });
        OperatorCommand(() => RollbackRequested, m => m.IncidentId);
        OperatorCommand(() => RerunRequested, m => m.IncidentId);
        OperatorCommand(() => AcknowledgeRequested, m => m.IncidentId);
        OperatorCommand(() => ResolveRequested, m => m.IncidentId);
        OperatorCommand(() => ApprovalDecided, m => m.IncidentId);
        Event(() => StaleCloseRequested, e =>
        {
            e.CorrelateById(ctx => ctx.Message.IncidentId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => OverdueFound, e =>
        {
            e.CorrelateById(ctx => ctx.Message.IncidentId);
            e.OnMissingInstance(m => m.Discard());
        });

        Schedule(() => StepTimeout, x => x.StepTimeoutTokenId, s =>
        {
            s.Delay = TimeSpan.FromSeconds(30);
            s.Received = r => r.CorrelateById(ctx => ctx.Message.IncidentId);
        });

        Initially(
            Route(When(AlertReceived), Open));

        DuringAny(
            // The very message that opened the incident (same IncidentId), retried or redelivered: its first handling
            // saved the incident, but its commands leave only after the save (in-memory outbox) and may never have reached
            // the broker. Send the awaited command again, as a resume does; a repeat of the alert (another message) attaches.
            When(AlertReceived).IfElse(ctx => ctx.Message.IncidentId == ctx.Saga.CorrelationId,
                again => again.IfElse(ctx => !IsEnded(ctx.Saga),
                    inFlight => Route(inFlight, OpenedAgain),
                    ended => ended.Then(_ => { })),
                repeat => repeat.Then(AttachDuplicate)),
            When(AlertStatusReported).Then(RecordSourceStatus)
                .If(ctx => ctx.Message.Status == "resolved" && IsVerifying(ctx.Saga), verified => Route(verified, SourceVerified)),
            When(ResumeRequested).IfElse(ctx => !IsEnded(ctx.Saga),
                inFlight => Route(inFlight, Resume),
                ended => ended.Then(_ => { })),
            When(RollbackRequested).ThenAsync(Rollback),
            When(RerunRequested).IfElse(ctx => RerunRefusal(ctx.Saga, ctx.Message.FromStep) is null,
                accepted => Route(accepted, Rerun),
                refused => refused.ThenAsync(ctx => Refuse(ctx, ctx.Message.IncidentId, RerunRefusal(ctx.Saga, ctx.Message.FromStep)!,
                    OperatorText.Actor(ctx.Message.Actor)))),
            // None of these touches the awaited step (its deadline stays, or was cleared when the incident ended): not routed.
            When(AcknowledgeRequested).ThenAsync(Acknowledge),
            When(ResolveRequested).ThenAsync(ResolveByOperator),
            When(ApprovalDecided).IfElse(ctx => DecisionRefusal(ctx.Saga, ctx.Message) is null,
                awaited => Route(awaited, OnApprovalDecided),
                refused => refused.ThenAsync(ctx => Refuse(ctx, ctx.Message.IncidentId, DecisionRefusal(ctx.Saga, ctx.Message)!, OperatorText.Actor(ctx.Message.Actor)))),
            When(StaleCloseRequested).ThenAsync(CloseStale),
            // A timeout scheduled by an orchestrator older than the deadline sweep, still on its way after an upgrade.
            When(StepTimeout.Received).IfElse(ctx => IsAwaited(ctx.Saga, ctx.Message.Step, ctx.Message.Attempt),
                awaited => Route(awaited, ctx => TimedOut(ctx, null)),
                stale => stale.Then(ctx => RecordIgnored(ctx, ctx.Message.Step, ctx.Message.Attempt, "timeout"))),
            // The step's deadline passed: the overdue sweep found it on the row. One fired for an earlier deadline of the same
            // step and attempt (a verification check waits again under a new one) or for a step no longer awaited is ignored.
            When(OverdueFound).If(ctx => IsAwaited(ctx.Saga, ctx.Message.Step, ctx.Message.Attempt) && ctx.Saga.StepDeadline is { } deadline
                    && (ctx.Message.Deadline is null || ctx.Message.Deadline == deadline),
                awaited => Route(awaited, ctx => TimedOut(ctx, string.IsNullOrEmpty(ctx.Message.Reason) ? null : Overdue(ctx.Saga, ctx.Message.Reason)))),
            When(ApprovalConcluded).IfElse(ctx => IsAwaitedApproval(ctx.Saga, ctx.Message.DeliberationId),
                awaited => Route(awaited, OnApprovalConcluded),
                late => late.Then(RecordLateApproval)));

        Step(IncidentSteps.Triage, Triaged, m => m.Attempt, OnTriaged);
        Step(IncidentSteps.Triage, TriageFailed, m => m.Attempt, ctx => StepFailed(ctx, ctx.Message.Reason, Outcomes.Failed));
        Step(IncidentSteps.Triage, TriageFaulted, m => m.Message.Attempt, ctx => StepFailed(ctx, Describe(ctx.Message), Outcomes.Failed));
        Step(IncidentSteps.Context, ContextCollected, m => m.Attempt, OnContextCollected);
        Step(IncidentSteps.Context, ContextFailed, m => m.Attempt, ctx => StepFailed(ctx, ctx.Message.Reason, Outcomes.Failed));
        Step(IncidentSteps.Context, ContextFaulted, m => m.Message.Attempt, ctx => StepFailed(ctx, Describe(ctx.Message), Outcomes.Failed));
        Step(IncidentSteps.Investigation, Investigated, m => m.Attempt, OnInvestigated);
        Step(IncidentSteps.Investigation, InvestigationFailed, m => m.Attempt, ctx => StepFailed(ctx, ctx.Message.Reason, Outcomes.Failed));
        Step(IncidentSteps.Investigation, InvestigationFaulted, m => m.Message.Attempt, ctx => StepFailed(ctx, Describe(ctx.Message), Outcomes.Failed));
        Step(IncidentSteps.Remediation, Remediated, m => m.Attempt, OnRemediated);
        Step(IncidentSteps.Remediation, RemediationFailed, m => m.Attempt, ctx => StepFailed(ctx, ctx.Message.Reason, Outcomes.Failed));
        Step(IncidentSteps.Remediation, RemediationFaulted, m => m.Message.Attempt, ctx => StepFailed(ctx, Describe(ctx.Message), Outcomes.Failed));
        // A check that did not verify only keeps its values: the next tick (its deadline kept) checks again or gives up.
        DuringAny(
            // Checks are numbered from 1: attempt 0 is the wait before the first check, which no answer can be for.
            When(RemediationCheckAnswered).IfElse(ctx => ctx.Message.Attempt > 0 && IsAwaited(ctx.Saga, IncidentSteps.Verification, ctx.Message.Attempt),
                awaited => awaited.IfElse(ctx => ctx.Message.Verified,
                    verified => Route(verified, OnChecked),
                    notYet => notYet.Then(RecordCheck)),
                stale => stale.Then(ctx => RecordIgnored(ctx, IncidentSteps.Verification, ctx.Message.Attempt, nameof(RemediationChecked)))),
            When(RemediationCheckFaulted).Then(ctx => RecordIgnored(ctx, IncidentSteps.Verification, ctx.Message.Message.Attempt,
                $"a faulted check ({Describe(ctx.Message)})")));
        Step(IncidentSteps.Notification, Notified, m => m.Attempt, OnNotified);
        Step(IncidentSteps.Notification, NotificationFailed, m => m.Attempt, ctx => StepFailed(ctx, ctx.Message.Reason, Outcomes.Failed));
        Step(IncidentSteps.Notification, NotificationFaulted, m => m.Message.Attempt, ctx => StepFailed(ctx, Describe(ctx.Message), Outcomes.Failed));
        PluginStep(PluginCompleted, m => m.Step, m => m.Attempt, OnPluginCompleted);
        PluginStep(PluginFailed, m => m.Step, m => m.Attempt, ctx => StepFailed(ctx, Bounded(ctx.Message.Reason), Outcomes.Failed));
        PluginStep(PluginFaulted, m => m.Message.Step, m => m.Message.Attempt, ctx => StepFailed(ctx, Describe(ctx.Message), Outcomes.Failed));
    }

    /// <summary>The attempt number of an emergency page, sent outside the workflow: it never matches an awaited step.</summary>
    public const int EmergencyAttempt = 0;

    public State Triaging { get; } = null!;
    public State CollectingContext { get; } = null!;
    public State Investigating { get; } = null!;

    /// <summary>The approval gate (<c>approval:</c> of the workflow): remediation waits for the reviewers' deliberation.</summary>
    public State AwaitingApproval { get; } = null!;
    public State Remediating { get; } = null!;

    /// <summary>A remediation was executed; the incident waits for evidence that it worked.</summary>
    public State Verifying { get; } = null!;
    public State Notifying { get; } = null!;

    /// <summary>A plug-in step of the workflow runs (<see cref="IncidentState.CurrentStep"/> names it).</summary>
    public State RunningStep { get; } = null!;
    public State Resolved { get; } = null!;
    public State Closed { get; } = null!;
    public State Escalated { get; } = null!;
    public State Failed { get; } = null!;

    public Event<AlertReceived> AlertReceived { get; } = null!;
    public Event<AlertStatusReported> AlertStatusReported { get; } = null!;
    public Event<IncidentTriaged> Triaged { get; } = null!;
    public Event<IncidentTriageFailed> TriageFailed { get; } = null!;
    public Event<Fault<TriageIncident>> TriageFaulted { get; } = null!;
    public Event<IncidentContextCollected> ContextCollected { get; } = null!;
    public Event<IncidentContextFailed> ContextFailed { get; } = null!;
    public Event<Fault<CollectIncidentContext>> ContextFaulted { get; } = null!;
    public Event<IncidentInvestigated> Investigated { get; } = null!;
    public Event<IncidentInvestigationFailed> InvestigationFailed { get; } = null!;
    public Event<Fault<InvestigateIncident>> InvestigationFaulted { get; } = null!;
    public Event<DeliberationConcluded> ApprovalConcluded { get; } = null!;
    public Event<IncidentRemediated> Remediated { get; } = null!;
    public Event<IncidentRemediationFailed> RemediationFailed { get; } = null!;
    public Event<Fault<RemediateIncident>> RemediationFaulted { get; } = null!;
    public Event<RemediationChecked> RemediationCheckAnswered { get; } = null!;
    public Event<Fault<CheckRemediation>> RemediationCheckFaulted { get; } = null!;
    public Event<IncidentNotified> Notified { get; } = null!;
    public Event<IncidentNotificationFailed> NotificationFailed { get; } = null!;
    public Event<Fault<NotifyIncident>> NotificationFaulted { get; } = null!;
    public Event<IncidentStepCompleted> PluginCompleted { get; } = null!;
    public Event<IncidentStepFailed> PluginFailed { get; } = null!;
    public Event<Fault<RunIncidentStep>> PluginFaulted { get; } = null!;

    public Event<ResumeIncident> ResumeRequested { get; } = null!;
    public Event<RollbackSegment> RollbackRequested { get; } = null!;
    public Event<RerunIncident> RerunRequested { get; } = null!;
    public Event<AcknowledgeIncident> AcknowledgeRequested { get; } = null!;
    public Event<ResolveIncident> ResolveRequested { get; } = null!;
    public Event<CloseStaleIncident> StaleCloseRequested { get; } = null!;
    public Event<StepOverdue> OverdueFound { get; } = null!;
    public Event<DecideApproval> ApprovalDecided { get; } = null!;

    public Schedule<IncidentState, StepTimedOut> StepTimeout { get; } = null!;

    /// <summary>Declares an operator request correlated by incident id; for an unknown incident it answers <see cref="IncidentNotFound"/>.</summary>
    private void OperatorCommand<T>(System.Linq.Expressions.Expression<Func<Event<T>>> property, Func<T, Guid> incidentId)
        where T : class =>
        Event(property, e =>
        {
            e.CorrelateById(ctx => incidentId(ctx.Message));
            e.OnMissingInstance(m => m.ExecuteAsync(ctx => ctx.RespondAsync(new IncidentNotFound { IncidentId = incidentId(ctx.Message) })));
        });

    /// <summary>Declares a reply event correlated by incident id; a reply for an unknown incident is logged.</summary>
    private void Reply<T>(System.Linq.Expressions.Expression<Func<Event<T>>> property, Func<T, Guid> incidentId)
        where T : class =>
        Event(property, e =>
        {
            e.CorrelateById(ctx => incidentId(ctx.Message));
            e.OnMissingInstance(m => m.ExecuteAsync(ctx =>
            {
                OrchestratorLog.ReplyWithoutIncident(_logger, typeof(T).Name, incidentId(ctx.Message));
                return Task.CompletedTask;
            }));
        });

    /// <summary>
    /// Binds a reply of <paramref name="step"/>: its tokens are counted, then when it is the one awaited it is routed by
    /// <paramref name="route"/>, otherwise (late, older attempt, incident elsewhere) recorded and ignored.
    /// </summary>
    private void Step<T>(string step, Event<T> reply, Func<T, int> attempt, Func<BehaviorContext<IncidentState, T>, Task> route)
        where T : class =>
        // One binding with an if/else: two filtered bindings would both run, the second seeing the state the first left.
        DuringAny(
            When(reply)
                .Then(ctx => CountTokens(ctx, step, attempt(ctx.Message)))
                .IfElse(ctx => IsAwaited(ctx.Saga, step, attempt(ctx.Message)),
                awaited => Route(awaited, route),
                stale => stale.Then(ctx => RecordIgnored(ctx, step, attempt(ctx.Message), typeof(T).Name))));

    /// <summary>
    /// Runs a routing decision, then keeps the awaited step's deadline (its timeout: the overdue sweep fires it from the
    /// row) or, once the incident ended, clears it.
    /// </summary>
    private EventActivityBinder<IncidentState, T> Route<T>(EventActivityBinder<IncidentState, T> binder, Func<BehaviorContext<IncidentState, T>, Task> route)
        where T : class =>
        binder
            .ThenAsync(route)
            // A step or attempt that started has no deadline yet; a resume or a redelivery keeps the one it had.
            .Then(ctx => ctx.Saga.StepDeadline = IsEnded(ctx.Saga) ? null : ctx.Saga.StepDeadline ?? _clock.GetUtcNow() + StepTimeoutOf(ctx.Saga))
            // An incident from before the sweep may still have a scheduled timeout: cancelled (nothing is sent without one).
            .If(ctx => ctx.Saga.StepTimeoutTokenId is not null, older => older.Unschedule(StepTimeout));

    /// <summary>The awaited step got no reply by its deadline: an approval or a verification concludes, any other step fails (and may be retried).</summary>
    private Task TimedOut(BehaviorContext<IncidentState> ctx, string? note) =>
        ctx.Saga.CurrentStep switch
        {
            IncidentSteps.Approval => ApprovalTimedOut(ctx),
            IncidentSteps.Verification => VerificationTick(ctx),
            _ => StepFailed(ctx, $"no reply within {Hosting.Durations.Format(StepTimeoutOf(ctx.Saga))}{note}", Outcomes.TimedOut),
        };

    /// <summary>" (deadline 12:00:30 UTC passed; fired 2m 10s after it, by the overdue sweep)" for the timeline.</summary>
    private static string Overdue(IncidentState incident, string why) =>
        $" (deadline {incident.StepDeadline:HH:mm:ss} UTC passed; {why})";

    private static bool IsEnded(IncidentState incident) => IncidentStatuses.Terminal.Contains(incident.CurrentState);

    private static bool IsAwaited(IncidentState incident, string step, int attempt) =>
        !IsEnded(incident) && incident.CurrentStep == step && incident.StepAttempt == attempt;

    private static string Describe<T>(Fault<T> fault) =>
        $"the agent faulted: {fault.Exceptions.FirstOrDefault()?.Message ?? "unknown error"}";
}

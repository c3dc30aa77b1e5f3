using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using System.Text.Json;
using Agents.Orchestrator.Workflows;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// One incident as the orchestrator keeps it. Each agent owns one segment (Alert/Triage, Context,
/// Hypothesis, Remediation, Notifications); only that agent's validated reply writes it. Lists are
/// replaced, never mutated, so that a reader always sees a consistent copy.
/// </summary>
public sealed class IncidentState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }

    /// <summary>Version for the in-memory repository (saga unit tests).</summary>
    public int Version { get; set; }

    /// <summary>PostgreSQL's <c>xmin</c> of the row: the optimistic concurrency token of the saga store.</summary>
    public uint RowVersion { get; set; }

    public string CurrentState { get; set; } = null!;

    public string Fingerprint { get; set; } = null!;

    /// <summary>Whether a repeated alert with the same fingerprint attaches to this incident.</summary>
    public bool IsOpen { get; set; }

    public int AlertCount { get; set; }

    /// <summary>
    /// The intake's ids of the newest repeats attached (at most <see cref="IncidentStateMachine.MaxRecentAlertIds"/>): a
    /// webhook body read again (a redelivery after a crash) names the same id, so its repeat is neither counted twice nor,
    /// once the incident ended, taken for a new alert.
    /// </summary>
    public Guid[] RecentAlertIds { get; set; } = [];

    public AlertPayload Alert { get; set; } = null!;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The incident's trace: the trace id of the alert's intake, which every later step joins.</summary>
    public string? TraceId { get; set; }

    /// <summary>The W3C <c>traceparent</c> of the span that opened the incident: the parent of work started outside the trace.</summary>
    public string? TraceParent { get; set; }

    /// <summary>The W3C <c>traceparent</c> of the span that dispatched the awaited step: its step span hangs there.</summary>
    public string? StepTraceParent { get; set; }

    /// <summary>The model tokens the agents reported, per agent, and the part of them orchestration caused.</summary>
    public IncidentTokenUsage Tokens { get; set; } = IncidentTokenUsage.None;

    /// <summary>The workflow the incident runs (chosen by the routing rules when it opened; a re-run keeps it).</summary>
    public string? WorkflowName { get; set; }

    /// <summary>The workflow file's version the incident started with (<see cref="WorkflowSet.Version"/>).</summary>
    public string? WorkflowVersion { get; set; }

    /// <summary>The routing rule that chose <see cref="WorkflowName"/> (<c>default</c> when none matched).</summary>
    public string? WorkflowRule { get; set; }

    /// <summary>
    /// The incident's own copy of its workflow, as it was when the incident opened: a reloaded file changes only new
    /// incidents. Null for an incident older than workflows as configuration: it runs the current default workflow.
    /// </summary>
    public IncidentWorkflow? Workflow { get; set; }

    /// <summary>The results of the workflow's plug-in steps, by step name: each one the segment of its step.</summary>
    public IReadOnlyDictionary<string, JsonElement> StepResults { get; set; } = new Dictionary<string, JsonElement>();

    /// <summary>The step whose reply is awaited, or the last step run once the incident ended.</summary>
    public string CurrentStep { get; set; } = null!;

    public int StepAttempt { get; set; }

    public DateTimeOffset StepStartedAt { get; set; }

    /// <summary>The kind of notification being sent while in Notifying.</summary>
    public string? NotificationKind { get; set; }

    /// <summary>The status the incident ends in once the pending notification is sent.</summary>
    public string? PendingOutcome { get; set; }

    public string? EscalationReason { get; set; }

    /// <summary>Why the incident ended Failed (a step ran out of attempts under <c>onExhausted: fail</c>).</summary>
    public string? FailureReason { get; set; }

    public bool SourceResolved { get; set; }

    /// <summary>The operator who acknowledged the incident (someone is working on it), or null.</summary>
    public string? AcknowledgedBy { get; set; }

    /// <summary>When <see cref="AcknowledgedBy"/> acknowledged the incident.</summary>
    public DateTimeOffset? AcknowledgedAt { get; set; }

    public Guid? StepTimeoutTokenId { get; set; }

    /// <summary>
    /// When the awaited step's timeout is due (null once the incident ended). Set when a step or attempt starts and kept
    /// through resumes and redeliveries; the overdue sweep finds steps whose timeout never arrived by it.
    /// </summary>
    public DateTimeOffset? StepDeadline { get; set; }

    public TriageResult? Triage { get; set; }

    public IncidentContext? Context { get; set; }

    public Hypothesis? Hypothesis { get; set; }

    /// <summary>How many approval deliberations the incident has requested (the gate before remediation; 0 without one).</summary>
    public int ApprovalRequests { get; set; }

    /// <summary>
    /// The latest approval deliberation requested (<see cref="Agents.Contracts.Incidents.RemediationApproval.DeliberationId"/>
    /// of the incident and <see cref="ApprovalRequests"/>): its <c>DeliberationConcluded</c> is correlated to the incident by it.
    /// </summary>
    public Guid? ApprovalDeliberationId { get; set; }

    /// <summary>The latest approval request and its outcome, or null.</summary>
    public RemediationApprovalRecord? Approval { get; set; }

    public RemediationResult? Remediation { get; set; }

    /// <summary>
    /// How many remediation commands the incident has dispatched over its life (planning, an approved execution, a
    /// re-run): each dispatch is the next attempt, never reused, so the execution ledger tells decisions apart.
    /// </summary>
    public int RemediationAttempts { get; set; }

    /// <summary>The verification of the executed remediation, or null.</summary>
    public RemediationVerificationRecord? Verification { get; set; }

    public IReadOnlyList<NotificationRecord> Notifications { get; set; } = [];

    public IReadOnlyList<TimelineEntry> Timeline { get; set; } = [];

    /// <summary>Every version of every segment, oldest first (the current values are the properties above).</summary>
    public IReadOnlyList<SegmentRevision> Revisions { get; set; } = [];
}

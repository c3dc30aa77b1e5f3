using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Operator commands: roll one segment back, re-run the workflow from a step, both only once the incident has ended.
/// Acknowledgement and resolution by a human are in <c>IncidentStateMachine.Resolution.cs</c>.
/// </summary>
public sealed partial class IncidentStateMachine
{
    /// <summary>The timeline event of an accepted re-run.</summary>
    private const string RerunRecorded = "re-run requested";

    private async Task Rollback(BehaviorContext<IncidentState, RollbackSegment> ctx)
    {
        var incident = ctx.Saga;
        var segment = ctx.Message.Segment;
        var actor = OperatorText.Actor(ctx.Message.Actor);
        var versions = incident.Revisions.Where(r => r.Segment == segment).ToList();
        // The version before the current one that had a value: a version cleared by a re-run is skipped.
        var restored = versions.Count < 2 ? null : versions[..^1].LastOrDefault(r => r.Value is not null);
        var segments = IncidentSegments.All.Concat(WorkflowOf(incident).Sequence.Where(s => !s.IsBuiltIn).Select(s => s.Name)).ToList();
        var refusal = !segments.Contains(segment)
            ? $"'{segment}' is not a segment; use one of {string.Join(", ", segments)}"
            : NotEnded(incident) ?? (restored is null
                ? $"the {segment} segment has no earlier version with a value to restore ({versions.Count} version(s); a re-run makes new ones)"
                : null);
        if (refusal is not null || restored is null)
        {
            await Refuse(ctx, incident.CorrelationId, refusal!, actor);
            return;
        }

        SetSegment(incident, segment, restored.Value);
        var version = versions[^1].Version + 1;
        var detail = $"{segment} restored to version {restored.Version} (as version {version}); the other segments are unchanged";
        Revise(incident, segment, version, IncidentSteps.Operator, 1, $"rolled back to version {restored.Version}", restored.Value);
        Record(incident, new TimelineEntry
        {
            At = _clock.GetUtcNow(), Step = IncidentSteps.Operator, Attempt = 1, Event = "segment rolled back", Detail = detail,
            Segment = segment, SegmentVersion = version, Actor = actor,
        });
        OrchestratorLog.OperatorCommand(_logger, incident.CorrelationId, detail);
        await ctx.RespondAsync(new OperatorCommandAccepted { IncidentId = incident.CorrelationId, Detail = detail });
    }

    /// <summary>Why a re-run from <paramref name="fromStep"/> makes no sense now, or null when it does.</summary>
    private string? RerunRefusal(IncidentState incident, string fromStep)
    {
        var workflow = WorkflowOf(incident);
        if (workflow.Find(fromStep) is null)
        {
            return $"'{fromStep}' is not a step of the incident's workflow {workflow.Name}; use one of {string.Join(", ", workflow.Sequence.Select(s => s.Name))}";
        }

        return NotEnded(incident) ?? fromStep switch
        {
            IncidentSteps.Context when incident.Triage is null => "there is no alert segment to collect context for: re-run from triage",
            IncidentSteps.Investigation when incident.Context is null => "there is no context segment to investigate: re-run from context or earlier",
            IncidentSteps.Remediation when incident.Hypothesis is null => "there is no hypothesis segment to remediate: re-run from investigation or earlier",
            _ when !IncidentSteps.Agents.Contains(fromStep) && incident.Triage is null => $"there is no alert segment for {fromStep} to work on: re-run from triage",
            _ => null,
        };
    }

    /// <summary>Clears the segments from the step on (their versions stay in the history) and starts that step again.</summary>
    private async Task Rerun(BehaviorContext<IncidentState, RerunIncident> ctx)
    {
        var incident = ctx.Saga;
        var fromStep = ctx.Message.FromStep;
        var previousOutcome = incident.CurrentState;
        var laterSteps = WorkflowOf(incident).Sequence.Select(s => s.Name).SkipWhile(step => step != fromStep).ToHashSet();
        var cleared = IncidentSegments.All.Where(s => laterSteps.Contains(IncidentSegments.OwnerStep(s)))
            .Concat(incident.StepResults.Keys.Where(laterSteps.Contains)).ToList();
        foreach (var segment in cleared)
        {
            var version = incident.Revisions.Where(r => r.Segment == segment).Select(r => r.Version).DefaultIfEmpty(0).Max() + 1;
            SetSegment(incident, segment, null);
            Revise(incident, segment, version, IncidentSteps.Operator, 1, "cleared by a re-run", null);
        }

        if (cleared.Contains(IncidentSegments.Remediation))
        {
            // The verification was of the remediation cleared: the one to come is verified afresh (or never executed).
            incident.Verification = null;
        }

        var detail = $"re-running from {fromStep} (was {previousOutcome}); cleared: {string.Join(", ", cleared)}";
        Record(incident, IncidentSteps.Operator, 1, RerunRecorded, detail, OperatorText.Actor(ctx.Message.Actor));
        OrchestratorLog.OperatorCommand(_logger, incident.CorrelationId, detail);
        incident.EscalationReason = null;
        incident.PendingOutcome = null;
        await ctx.RespondAsync(new OperatorCommandAccepted { IncidentId = incident.CorrelationId, Detail = detail });

        if (fromStep != IncidentSteps.Notification)
        {
            // The approval was of the remediation about to be redone: a re-run that reaches the gate asks afresh.
            incident.Approval = null;
            await (fromStep == IncidentSteps.Remediation ? StartRemediation(ctx) : StartStep(ctx, fromStep, 1, null));
            return;
        }

        // Notify again about the same outcome.
        incident.PendingOutcome = previousOutcome;
        await StartNotification(ctx, previousOutcome switch
        {
            IncidentStatuses.Resolved => NotificationKinds.Resolution,
            IncidentStatuses.Closed => NotificationKinds.LowPriority,
            _ => NotificationKinds.Escalation,
        }, 1);
    }

    /// <summary>
    /// After a restart: sends the awaited step's command again, since a crash between saving the incident and sending it
    /// would lose it (an agent that already answered answers twice; the second reply is ignored as stale). The step keeps
    /// its deadline; a step already past it is not sent again but times out, as its lost timeout would have.
    /// </summary>
    private async Task Resume(BehaviorContext<IncidentState, ResumeIncident> ctx)
    {
        var incident = ctx.Saga;
        if (incident.StepDeadline is { } deadline && deadline <= _clock.GetUtcNow())
        {
            await TimedOut(ctx, Overdue(incident, $"found when the orchestrator restarted ({ctx.Message.Reason})"));
            return;
        }

        var previousFailure = incident.Timeline
            .LastOrDefault(t => t.Step == incident.CurrentStep && t.Attempt == incident.StepAttempt - 1 && t.Event == "step failed")?.Detail;
        Record(incident, incident.CurrentStep, incident.StepAttempt, "resumed",
            $"the orchestrator restarted ({ctx.Message.Reason}); {incident.CurrentStep} attempt {incident.StepAttempt} sent again"
            + (incident.StepDeadline is { } due ? $", still due by {due:HH:mm:ss} UTC" : ""));
        await SendAwaitedCommand(ctx, previousFailure);
    }

    private static string? NotEnded(IncidentState incident) =>
        IsEnded(incident)
            ? null
            : $"the incident is {incident.CurrentState} ({incident.CurrentStep} attempt {incident.StepAttempt} in flight); wait until it has ended";

    /// <summary>Answers <see cref="OperatorCommandRefused"/> and records the refusal, and who asked, in the timeline.</summary>
    private Task Refuse<T>(BehaviorContext<IncidentState, T> ctx, Guid incidentId, string reason, string? actor)
        where T : class
    {
        Record(ctx.Saga, IncidentSteps.Operator, 1, "operator command refused", $"{typeof(T).Name}: {reason}", actor);
        return ctx.RespondAsync(new OperatorCommandRefused { IncidentId = incidentId, Reason = reason });
    }

    private void Revise(IncidentState incident, string segment, int version, string step, int attempt, string change, JsonElement? value)
    {
        var revision = new SegmentRevision { Segment = segment, Version = version, At = _clock.GetUtcNow(), Step = step, Attempt = attempt, Change = change, Value = value };
        var versions = incident.Revisions.Where(r => r.Segment == segment).ToList();
        // Bounded: a segment keeps its first version and its newest ones; the one after the first goes when one more comes.
        var dropped = versions.Count >= MaxVersionsPerSegment ? versions[1] : null;
        incident.Revisions = [.. incident.Revisions.Where(r => !ReferenceEquals(r, dropped)), revision];
    }

    /// <summary>The most versions of one segment an incident keeps: its first and the newest (re-runs and rollbacks make more).</summary>
    internal const int MaxVersionsPerSegment = 20;

    private static void SetSegment(IncidentState incident, string segment, JsonElement? value)
    {
        switch (segment)
        {
            case IncidentSegments.Alert:
                incident.Triage = value?.Deserialize<TriageResult>(RevisionJson);
                break;
            case IncidentSegments.Context:
                incident.Context = value?.Deserialize<IncidentContext>(RevisionJson);
                break;
            case IncidentSegments.Hypothesis:
                incident.Hypothesis = value?.Deserialize<Hypothesis>(RevisionJson);
                break;
            case IncidentSegments.Remediation:
                incident.Remediation = value?.Deserialize<RemediationResult>(RevisionJson);
                break;
            case IncidentSegments.Notifications:
                incident.Notifications = value?.Deserialize<List<NotificationRecord>>(RevisionJson) ?? [];
                break;
            default:
                // A plug-in step's segment.
                var results = new Dictionary<string, JsonElement>(incident.StepResults);
                if (value is { } result)
                {
                    results[segment] = result;
                }
                else
                {
                    results.Remove(segment);
                }

                incident.StepResults = results;
                break;
        }
    }
}

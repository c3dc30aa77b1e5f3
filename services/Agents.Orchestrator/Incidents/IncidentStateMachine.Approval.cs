using System.Globalization;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Orchestrator.Workflows;
using MassTransit;
using Outcomes = Agents.Hosting.AgentsTelemetry.Outcomes;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The optional approval gate before remediation (<c>approval:</c> of the workflow): the incident asks the deliberation the
/// workflow names whether remediation may act on the hypothesis, and waits (<see cref="AwaitingApproval"/>, step
/// <see cref="IncidentSteps.Approval"/>). Decided <see cref="RemediationApproval.Approve"/>: remediation runs. Any other
/// decision, no consensus, a refused deliberation or no conclusion within the step's timeout: the incident escalates and
/// nothing is remediated.
/// </summary>
public sealed partial class IncidentStateMachine
{
    /// <summary>
    /// Remediation, behind the reviewers' approval gate when the workflow has one. A human's approval (<c>approval: human</c>,
    /// or the service's mode approve) comes after it, on the concrete plan the remediation agent proposes.
    /// </summary>
    private Task StartRemediation(BehaviorContext<IncidentState> ctx) =>
        WorkflowOf(ctx.Saga) switch
        {
            { Approval: { } policy } => RequestApproval(ctx, policy),
            _ => StartStep(ctx, IncidentSteps.Remediation, 1, null),
        };

    /// <summary>Asks for a fresh approval deliberation (the next request of the incident) and waits for its conclusion.</summary>
    private Task RequestApproval(BehaviorContext<IncidentState> ctx, DeliberationPolicy policy)
    {
        var incident = ctx.Saga;
        incident.ApprovalRequests++;
        var id = RemediationApproval.DeliberationId(incident.CorrelationId, incident.ApprovalRequests);
        var timeout = IncidentWorkflow.ApprovalTimeout(policy);
        incident.ApprovalDeliberationId = id;
        incident.Approval = new RemediationApprovalRecord
        {
            DeliberationId = id,
            Kind = policy.Kind,
            Request = incident.ApprovalRequests,
            Status = RemediationApprovalStatuses.Pending,
            RequestedAt = _clock.GetUtcNow(),
            Timeout = timeout,
        };
        Record(incident, IncidentSteps.Approval, 1, "approval requested",
            $"deliberation {id} ({policy.Kind}: {string.Join(", ", policy.Participants)}; {policy.Threshold} must agree, at most "
            + $"{policy.MaxRounds} round(s)); remediation waits up to {Hosting.Durations.Format(timeout)} for '{RemediationApproval.Approve}'");
        return StartStep(ctx, IncidentSteps.Approval, 1, null);
    }

    /// <summary>The request for the awaited approval: sent again on resume, it attaches to the same deliberation (same id).</summary>
    private static StartDeliberation ApprovalRequest(IncidentState incident)
    {
        var approval = incident.Approval
            ?? throw new InvalidOperationException($"Incident {incident.CorrelationId} awaits approval without an approval request.");
        var triage = incident.Triage!;
        var hypothesis = incident.Hypothesis!;
        var subject = new RemediationApprovalSubject
        {
            IncidentId = incident.CorrelationId,
            Service = triage.Service,
            Severity = triage.Severity,
            ErrorType = triage.ErrorType,
            AlertSummary = triage.Summary,
            Hypothesis = hypothesis,
        };
        return new StartDeliberation
        {
            DeliberationId = approval.DeliberationId,
            Kind = approval.Kind,
            Subject = JsonSerializer.SerializeToElement(subject, RevisionJson),
            Summary = OneLine(string.Create(CultureInfo.InvariantCulture,
                $"May remediation act unattended on {triage.Service} ({triage.Severity} {triage.ErrorType})? "
                + $"{hypothesis.Category} ({hypothesis.Confidence:0.00}): {hypothesis.Summary}")),
            // Not RequestedBy: the saga consumes the published conclusion, a sent copy would arrive twice.
        };
    }

    private static bool IsAwaitedApproval(IncidentState incident, Guid deliberationId) =>
        IsAwaited(incident, IncidentSteps.Approval, incident.StepAttempt) && incident.ApprovalDeliberationId == deliberationId;

    private Task OnApprovalConcluded(BehaviorContext<IncidentState, DeliberationConcluded> ctx)
    {
        var incident = ctx.Saga;
        var concluded = ctx.Message;
        var now = _clock.GetUtcNow();
        var approved = concluded.Outcome == DeliberationOutcomes.Decided
            && string.Equals(concluded.Decision, RemediationApproval.Approve, StringComparison.OrdinalIgnoreCase);
        var status = concluded.Outcome switch
        {
            DeliberationOutcomes.Decided => approved ? RemediationApprovalStatuses.Approved : RemediationApprovalStatuses.Denied,
            DeliberationOutcomes.NoConsensus => RemediationApprovalStatuses.NoConsensus,
            DeliberationOutcomes.Refused => RemediationApprovalStatuses.Refused,
            _ => RemediationApprovalStatuses.Denied,
        };
        var stances = concluded.Rounds.LastOrDefault()?.Stances ?? [];
        var detail = DescribeConclusion(concluded, stances);
        if (incident.Approval is { } approval)
        {
            incident.Approval = approval with
            {
                Status = status,
                ConcludedAt = now,
                Decision = concluded.Decision,
                Confidence = concluded.Confidence,
                Round = concluded.Round,
                Detail = detail,
                Stances = stances,
            };
        }

        if (approved)
        {
            StepSucceeded(ctx);
            Record(incident, IncidentSteps.Approval, incident.StepAttempt, "remediation approved", detail);
            return StartStep(ctx, IncidentSteps.Remediation, 1, null);
        }

        // The reviewers answered (a denial or a split is an answer); a refused deliberation is a misconfiguration.
        var outcome = concluded.Outcome == DeliberationOutcomes.Refused ? Outcomes.Failed : Outcomes.Ok;
        IncidentTelemetry.StepEnded(ctx, incident, outcome, detail, now);
        return Escalate(ctx, $"remediation not approved: {detail}");
    }

    /// <summary>The backstop: the deliberation did not conclude within the approval step's timeout. Never remediates.</summary>
    private Task ApprovalTimedOut(BehaviorContext<IncidentState> ctx)
    {
        var incident = ctx.Saga;
        var now = _clock.GetUtcNow();
        var human = incident.Approval?.Kind == HumanApprovalKind;
        var detail = human
            ? $"no human approved or denied {incident.Approval!.Plan?.ActionId ?? "remediation"} within {Hosting.Durations.Format(incident.Approval.Timeout)}: "
                + $"the request expired at {now:u}"
            : $"the approval deliberation {incident.ApprovalDeliberationId} did not conclude within " + Hosting.Durations.Format(StepTimeoutOf(incident));
        IncidentTelemetry.StepEnded(ctx, incident, Outcomes.TimedOut, detail, now);
        Record(incident, IncidentSteps.Approval, incident.StepAttempt, human ? "approval expired" : "step failed", detail);
        if (incident.Approval is { } approval)
        {
            var status = human ? RemediationApprovalStatuses.Expired : RemediationApprovalStatuses.TimedOut;
            incident.Approval = approval with { Status = status, ConcludedAt = now, Detail = detail, DecidedBy = human ? "system" : null };
        }

        return Escalate(ctx, $"remediation not approved: {detail}");
    }

    /// <summary>The incident's latest approval concluded after the incident stopped waiting for it (timed out, ended): recorded only.</summary>
    private void RecordLateApproval(BehaviorContext<IncidentState, DeliberationConcluded> ctx)
    {
        var incident = ctx.Saga;
        var concluded = ctx.Message;
        var detail = $"approval deliberation {concluded.DeliberationId} concluded {concluded.Outcome}"
            + (concluded.Decision is { } decision ? $" ({decision})" : "")
            + $" after the incident stopped waiting for it: the incident is {incident.CurrentState}, awaiting "
            + (IsEnded(incident) ? "nothing" : $"{incident.CurrentStep} attempt {incident.StepAttempt}");
        Record(incident, IncidentSteps.Approval, incident.Approval?.Request ?? 1, "late approval ignored", detail);
        OrchestratorLog.Ignored(_logger, incident.CorrelationId, detail);
    }

    /// <summary>How long the awaited step may take: the approval's own timeout (kept with the request), else the workflow's.</summary>
    private TimeSpan StepTimeoutOf(IncidentState incident) =>
        incident.CurrentStep switch
        {
            // A human's request keeps its deadline through restarts and resumes.
            IncidentSteps.Approval when incident.Approval is { Kind: HumanApprovalKind } human =>
                Max(human.RequestedAt + human.Timeout - _clock.GetUtcNow(), TimeSpan.FromSeconds(1)),
            IncidentSteps.Approval when incident.Approval is { } approval => approval.Timeout,
            IncidentSteps.Verification => NextVerificationTick(incident),
            _ => WorkflowOf(incident).Step(incident.CurrentStep).Timeout,
        };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// One line on the conclusion: "deny by 2 of 3 in round 1 (change-policy: service frozen; ...)" with the reasons of those
    /// who gave the decision, or for no consensus the deliberation's reason and every stance of the last round.
    /// </summary>
    private static string DescribeConclusion(DeliberationConcluded concluded, IReadOnlyList<Stance> stances)
    {
        switch (concluded.Outcome)
        {
            case DeliberationOutcomes.Decided:
                var decision = concluded.Decision ?? "?";
                var agreeing = stances.Where(s => !s.Silent && string.Equals(s.Decision, decision, StringComparison.OrdinalIgnoreCase)).ToList();
                var confidence = concluded.Confidence is { } c ? string.Create(CultureInfo.InvariantCulture, $", confidence {c:0.00}") : "";
                return OneLine($"{decision} by {agreeing.Count} of {stances.Count} in round {concluded.Round}{confidence}"
                    + Stances(agreeing, withDecision: false));
            case DeliberationOutcomes.NoConsensus:
                return OneLine($"no consensus: {concluded.Reason ?? $"no agreement in {concluded.Round} round(s)"}" + Stances(stances, withDecision: true));
            case DeliberationOutcomes.Refused:
                return OneLine($"the approval deliberation was refused: {concluded.Reason ?? "no reason given"}");
            default:
                return OneLine($"the approval deliberation ended {concluded.Outcome}: {concluded.Reason ?? concluded.Decision ?? "no reason given"}");
        }
    }

    private static string Stances(IReadOnlyList<Stance> stances, bool withDecision) =>
        stances.Count == 0
            ? ""
            : " (" + string.Join("; ", stances.Select(s => s.Silent
                ? $"{s.Participant} silent: {s.Note ?? "no answer"}"
                : withDecision
                    ? $"{s.Participant} {s.Decision}: {s.Reason ?? "no reason given"}"
                    : $"{s.Participant}: {s.Reason ?? "no reason given"}")) + ")";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}

using System.Globalization;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using MassTransit;
using Outcomes = Agents.Hosting.AgentsTelemetry.Outcomes;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// What a remediation's answer leads to. Executed: the incident waits (<see cref="Verifying"/>) for evidence that the
/// action worked: the source's own resolved signal, or the service's verification query, checked by the remediation
/// agent every <see cref="RemediationVerification.Every"/> until it held for <see cref="RemediationVerification.For"/>.
/// Verified: Resolved. No evidence by <see cref="RemediationVerification.Within"/>: Escalated, "remediation ineffective",
/// with the values measured. A dry run, or an action a control blocked, ends Escalated: a human must act.
/// </summary>
public sealed partial class IncidentStateMachine
{
    /// <summary>The start of the escalation reason when nothing was executed and a human must act.</summary>
    public const string HumanActionRequired = RemediationEscalations.HumanActionRequired;

    /// <summary>The start of the escalation reason when an executed action did not fix the incident.</summary>
    public const string RemediationIneffective = RemediationEscalations.Ineffective;

    /// <summary>The verification of an action the catalog gives no settings for: the source's resolved signal within the default time.</summary>
    private static readonly RemediationVerification SourceSignalOnly = new();

    private Task AfterRemediation(BehaviorContext<IncidentState> ctx, RemediationResult result)
    {
        var steps = result.Steps.Count == 0 ? "" : $" To do by hand: {string.Join("; ", result.Steps.Select(s => s.StartsWith("would: ", StringComparison.Ordinal) ? s[7..] : s))}.";
        var what = $"{result.ActionId}{(result.Target is { } target ? $" on {target}" : "")}";
        return ExecutionOf(result) switch
        {
            RemediationExecutions.Executed => StartVerification(ctx, result),
            RemediationExecutions.Blocked => Escalate(ctx, $"{HumanActionRequired}: {what} {result.Outcome}.{steps}"),
            _ => Escalate(ctx, $"{HumanActionRequired}: dry run of {what}, nothing was executed (the service's remediation mode is "
                + $"{result.Mode ?? RemediationModes.DryRun}).{steps}"),
        };
    }

    /// <summary>What became of a remediation; a result from before execution existed was a dry run.</summary>
    internal static string ExecutionOf(RemediationResult result) =>
        result.Execution ?? (result.DryRun ? RemediationExecutions.DryRun : RemediationExecutions.Executed);

    private async Task StartVerification(BehaviorContext<IncidentState> ctx, RemediationResult result)
    {
        var incident = ctx.Saga;
        var now = _clock.GetUtcNow();
        var spec = result.Verification ?? SourceSignalOnly;
        incident.Verification = new RemediationVerificationRecord
        {
            Spec = spec,
            ExecutedAt = result.ExecutedAt ?? now,
            StartedAt = now,
            Deadline = now + spec.Within,
            Status = VerificationStatuses.Pending,
        };
        incident.StepDeadline = null;
        incident.CurrentStep = IncidentSteps.Verification;
        incident.StepAttempt = 0;
        incident.StepStartedAt = now;
        Record(incident, IncidentSteps.Verification, 0, "verifying", $"waiting up to {Hosting.Durations.Format(spec.Within)} for evidence that "
            + $"{result.ActionId} worked: {Expectation(spec)}");
        await ctx.TransitionToState(Verifying);
    }

    /// <summary>"the source reports resolved, or error ratio below 0.01 for 5m (checked every 30s)".</summary>
    private static string Expectation(RemediationVerification spec) =>
        "the source reports resolved" + (spec.Query is null
            ? " (the service catalog names no verification query)"
            : string.Create(CultureInfo.InvariantCulture,
                $", or {spec.Query} {(spec.Below is { } below ? $"below {below}" : $"above {spec.Above}")} for {Hosting.Durations.Format(spec.For)} (checked every {Hosting.Durations.Format(spec.Every)})"));

    /// <summary>How long until the next verification check, or the deadline when it comes first (at least a second).</summary>
    private TimeSpan NextVerificationTick(IncidentState incident)
    {
        var verification = incident.Verification!;
        var left = verification.Deadline - _clock.GetUtcNow();
        var wait = verification.Spec.Query is null || left < verification.Spec.Every ? left : verification.Spec.Every;
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }

    /// <summary>A verification tick: at the deadline the action is ineffective; before it, the next check is sent.</summary>
    private async Task VerificationTick(BehaviorContext<IncidentState> ctx)
    {
        var incident = ctx.Saga;
        var verification = incident.Verification!;
        if (_clock.GetUtcNow() >= verification.Deadline - TimeSpan.FromMilliseconds(500))
        {
            var measured = verification.Detail ?? (verification.Spec.Query is null
                ? "the source did not report resolved"
                : "the verification query never answered");
            var detail = $"no evidence within {Hosting.Durations.Format(verification.Spec.Within)} that {incident.Remediation?.ActionId} worked: {measured}";
            incident.Verification = verification with { Status = VerificationStatuses.Ineffective, ConcludedAt = _clock.GetUtcNow() };
            IncidentTelemetry.StepEnded(ctx, incident, Outcomes.Failed, detail, _clock.GetUtcNow());
            await Escalate(ctx, $"{RemediationIneffective}: {detail}");
            return;
        }

        incident.StepDeadline = null;
        incident.StepAttempt++;
        await SendAwaitedCommand(ctx, null);
    }

    /// <summary>The check command of the awaited verification attempt (attempt 0: no check yet, nothing to send).</summary>
    private static CheckRemediation? VerificationCheck(IncidentState incident) =>
        incident.StepAttempt > 0 && incident.Verification is { Spec.Query: not null } verification
            ? new CheckRemediation
            {
                IncidentId = incident.CorrelationId,
                Attempt = incident.StepAttempt,
                Service = incident.Triage!.Service,
                Verification = verification.Spec,
                ExecutedAt = verification.ExecutedAt,
            }
            : null;

    private bool IsVerifying(IncidentState incident) => !IsEnded(incident) && incident.CurrentStep == IncidentSteps.Verification;

    /// <summary>A check answered: verified ends the incident Resolved; otherwise its values are kept and the next tick checks again.</summary>
    private void RecordCheck(BehaviorContext<IncidentState, RemediationChecked> ctx)
    {
        var incident = ctx.Saga;
        incident.Verification = incident.Verification! with
        {
            Checks = incident.Verification.Checks + 1,
            Detail = Bounded(ctx.Message.Detail, 500),
            Value = ctx.Message.Value,
        };
    }

    private Task Verified(BehaviorContext<IncidentState> ctx, string evidence)
    {
        var incident = ctx.Saga;
        var now = _clock.GetUtcNow();
        incident.Verification = incident.Verification! with { Status = VerificationStatuses.Verified, ConcludedAt = now, Detail = evidence };
        IncidentTelemetry.StepEnded(ctx, incident, Outcomes.Ok, null, now);
        Record(incident, IncidentSteps.Verification, incident.StepAttempt, "remediation verified", evidence);
        incident.PendingOutcome = IncidentStatuses.Resolved;
        return StartNotification(ctx, NotificationKinds.Resolution, 1);
    }

    private Task OnChecked(BehaviorContext<IncidentState, RemediationChecked> ctx)
    {
        RecordCheck(ctx);
        return Verified(ctx, Bounded(ctx.Message.Detail, 500));
    }

    private Task SourceVerified(BehaviorContext<IncidentState, Contracts.Alerts.AlertStatusReported> ctx) =>
        Verified(ctx, $"the source reported the alert resolved after the action: {Bounded(ctx.Message.Summary ?? "resolved", 300)}");
}

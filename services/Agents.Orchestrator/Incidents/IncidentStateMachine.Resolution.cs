using Agents.Contracts;
using Agents.Contracts.Incidents;
using MassTransit;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The human side of an incident: an operator acknowledges it (someone is on it; at any time until it has ended without
/// needing anyone), resolves one that ended Escalated or Failed, and the orchestrator closes an escalated incident nobody
/// resolved once it is older than its maximum open age (<see cref="OrchestratorOptions.EscalatedMaxOpenAge"/>, found by
/// <see cref="Persistence.StaleIncidentSweeper"/>). None of them touches the awaited step or its timeout.
/// </summary>
public sealed partial class IncidentStateMachine
{
    /// <summary>The timeline event of a human's resolution.</summary>
    public const string ResolvedByOperator = "resolved by operator";

    /// <summary>The timeline event of a close past the maximum open age.</summary>
    public const string ClosedPastMaxOpenAge = "closed: past maximum open age";

    private async Task Acknowledge(BehaviorContext<IncidentState, AcknowledgeIncident> ctx)
    {
        var incident = ctx.Saga;
        var actor = OperatorText.Actor(ctx.Message.Actor);
        var note = OperatorText.Note(ctx.Message.Note);
        if ((actor is null ? "the command names nobody to acknowledge the incident as (no actor)" : AcknowledgeRefusal(incident)) is { } refusal)
        {
            await Refuse(ctx, incident.CorrelationId, refusal, actor);
            return;
        }

        var now = _clock.GetUtcNow();
        var detail = $"acknowledged by {actor} while the incident is {Describe(incident)}";
        incident.AcknowledgedBy = actor;
        incident.AcknowledgedAt = now;
        Record(incident, new TimelineEntry { At = now, Step = IncidentSteps.Operator, Attempt = 1, Event = "acknowledged", Detail = note, Actor = actor });
        OrchestratorLog.OperatorCommand(_logger, incident.CorrelationId, detail);
        IncidentTelemetry.Acknowledged(ctx, incident.CurrentState);
        await ctx.Publish(new IncidentAcknowledged { IncidentId = incident.CorrelationId, Actor = actor!, Note = note, At = now });
        await ctx.RespondAsync(new OperatorCommandAccepted { IncidentId = incident.CorrelationId, Detail = detail });
    }

    /// <summary>Why the incident cannot be acknowledged now, or null when it can.</summary>
    private static string? AcknowledgeRefusal(IncidentState incident)
    {
        if (incident.CurrentState is IncidentStatuses.Resolved or IncidentStatuses.Closed)
        {
            return $"the incident is {incident.CurrentState}: it needs nobody, there is nothing to acknowledge";
        }

        return incident.AcknowledgedBy is { } by
            ? $"the incident was already acknowledged by {by} at {incident.AcknowledgedAt:u}"
            : null;
    }

    private async Task ResolveByOperator(BehaviorContext<IncidentState, ResolveIncident> ctx)
    {
        var incident = ctx.Saga;
        var actor = OperatorText.Actor(ctx.Message.Actor);
        var note = OperatorText.Note(ctx.Message.Note);
        var refusal = actor is null ? "the command names nobody to resolve the incident as (no actor)"
            : note is null ? "a note saying what was done is required to resolve an incident"
            : ResolveRefusal(incident);
        if (refusal is not null)
        {
            await Refuse(ctx, incident.CorrelationId, refusal, actor);
            return;
        }

        var previous = incident.CurrentState;
        var detail = $"resolved by {actor} (was {previous}); a repeat of its alert now opens a new incident";
        await End(ctx, IncidentStatuses.Resolved, ResolvedByOperator, actor!, note!);
        await ctx.RespondAsync(new OperatorCommandAccepted { IncidentId = incident.CorrelationId, Detail = detail });
    }

    /// <summary>Why the incident cannot be resolved by an operator now, or null when it can (it ended Escalated or Failed).</summary>
    private static string? ResolveRefusal(IncidentState incident) =>
        NotEnded(incident) ?? (incident.CurrentState is IncidentStatuses.Escalated or IncidentStatuses.Failed
            ? null
            : $"the incident is already {incident.CurrentState}; only an incident that ended Escalated or Failed needs resolving");

    /// <summary>
    /// Closes an escalated incident older than the sweeper's limit, after checking again on the saga's copy: a duplicate
    /// (each orchestrator sweeps), or a human's resolution since the sweeper looked, leaves the incident as it is.
    /// </summary>
    private async Task CloseStale(BehaviorContext<IncidentState, CloseStaleIncident> ctx)
    {
        var incident = ctx.Saga;
        var command = ctx.Message;
        var age = command.AsOf - incident.CreatedAt;
        var ignored = incident.CurrentState != IncidentStatuses.Escalated ? $"it is {incident.CurrentState}"
            : !incident.IsOpen ? "it no longer takes repeats of its alert"
            : command.MaxOpenAge <= TimeSpan.Zero ? "the command sets no maximum open age"
            : age <= command.MaxOpenAge ? $"it is {FormatAge(age)} old, within the maximum open age of {FormatAge(command.MaxOpenAge)}"
            : null;
        if (ignored is not null)
        {
            OrchestratorLog.StaleCloseIgnored(_logger, incident.CorrelationId, ignored);
            return;
        }

        var note = $"escalated and open for {FormatAge(age)} since {incident.CreatedAt:u}, past the maximum open age of "
            + $"escalated incidents ({FormatAge(command.MaxOpenAge)}); closed without a human's resolution, a repeat of its alert opens a new incident";
        await End(ctx, IncidentStatuses.Closed, ClosedPastMaxOpenAge, OperatorText.MaxOpenAgeActor, note);
    }

    /// <summary>
    /// Ends an incident that had already ended (Escalated, Failed) for good: it becomes <paramref name="status"/> (Resolved
    /// or Closed), stops taking repeats of its alert, and <see cref="IncidentResolvedByOperator"/> is published. Its step
    /// timeout was cancelled when it first ended.
    /// </summary>
    private async Task End<T>(BehaviorContext<IncidentState, T> ctx, string status, string what, string actor, string note)
        where T : class
    {
        var incident = ctx.Saga;
        var now = _clock.GetUtcNow();
        var previous = incident.CurrentState;
        incident.IsOpen = false;
        Record(incident, new TimelineEntry { At = now, Step = IncidentSteps.Operator, Attempt = 1, Event = what, Detail = note, Actor = actor });
        OrchestratorLog.EndedByOperator(_logger, incident.CorrelationId, previous, status, actor, note);
        IncidentTelemetry.ResolvedByOperator(ctx, status);
        await ctx.Publish(new IncidentResolvedByOperator { IncidentId = incident.CorrelationId, Actor = actor, Note = note, Status = status, At = now });
        await ctx.TransitionToState(status == IncidentStatuses.Closed ? Closed : Resolved);
    }

    /// <summary>"Investigating (investigation attempt 1 in flight)", or the status of an incident that has ended.</summary>
    private static string Describe(IncidentState incident) =>
        IsEnded(incident) ? incident.CurrentState : $"{incident.CurrentState} ({incident.CurrentStep} attempt {incident.StepAttempt} in flight)";

    /// <summary>An age for people: <c>8d 3h</c>, <c>5h 12m</c>, <c>40m</c>, <c>30s</c>.</summary>
    internal static string FormatAge(TimeSpan age) =>
        age.TotalDays >= 1 ? (age.Hours == 0 ? $"{(long)age.TotalDays}d" : $"{(long)age.TotalDays}d {age.Hours}h")
        : age.TotalHours >= 1 ? (age.Minutes == 0 ? $"{age.Hours}h" : $"{age.Hours}h {age.Minutes}m")
        : Hosting.Durations.Format(age);
}

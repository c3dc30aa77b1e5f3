using Agents.Contracts.Deliberation;
using Agents.Orchestrator.Workflows;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Agents.Orchestrator.Deliberations;

/// <summary>
/// A generic deliberation: the participants of a policy (<c>deliberations:</c> in the workflow file) judge one subject
/// in rounds. Each round every participant is sent <see cref="StanceRequested"/> on its own queue, with the others'
/// stances of the previous round, and answers with <see cref="StanceGiven"/>. A round ends when every participant
/// answered or its timeout fired (the silent ones are recorded as such). When at least the threshold gave the same
/// decision the deliberation is Decided; after the last round without that it is Escalated (no consensus: a human
/// decides); a request for an unknown kind is Refused. The end is published as <see cref="DeliberationConcluded"/>.
/// The round logic is in <c>DeliberationStateMachine.Rounds.cs</c>.
/// </summary>
public sealed partial class DeliberationStateMachine : MassTransitStateMachine<DeliberationState>
{
    private readonly DeliberationPolicies _policies;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeliberationStateMachine> _logger;

    public DeliberationStateMachine(DeliberationPolicies policies, TimeProvider clock, ILogger<DeliberationStateMachine> logger)
    {
        _policies = policies;
        _clock = clock;
        _logger = logger;

        InstanceState(x => x.CurrentState);

        Event(() => Started, e => e.CorrelateById(ctx => ctx.Message.DeliberationId));
        Event(() => StanceGiven, e =>
        {
            e.CorrelateById(ctx => ctx.Message.DeliberationId);
            e.OnMissingInstance(m => m.ExecuteAsync(ctx =>
            {
                OrchestratorLog.StanceWithoutDeliberation(_logger, ctx.Message.Participant, ctx.Message.Round, ctx.Message.DeliberationId);
                return Task.CompletedTask;
            }));
        });

        Event(() => RoundOverdueFound, e =>
        {
            e.CorrelateById(ctx => ctx.Message.DeliberationId);
            e.OnMissingInstance(m => m.Discard());
        });

        Schedule(() => RoundTimeout, x => x.RoundTimeoutTokenId, s =>
        {
            s.Delay = WorkflowLoader.DefaultRoundTimeout;
            s.Received = r => r.CorrelateById(ctx => ctx.Message.DeliberationId);
        });

        Initially(
            When(Started).IfElse(ctx => _policies.Find(ctx.Message.Kind) is not null,
                known => Route(known, Open),
                unknown => unknown.ThenAsync(Refuse)));

        DuringAny(
            When(Started).Then(ctx => OrchestratorLog.DuplicateDeliberationStart(_logger, ctx.Saga.CorrelationId, ctx.Saga.CurrentState)),
            When(StanceGiven)
                .Then(ctx => ctx.Saga.Tokens = (ctx.Saga.Tokens + ctx.Message.Tokens) with { Prompt = null })
                .IfElse(ctx => WhyIgnored(ctx.Saga, ctx.Message) is null,
                    awaited => Route(awaited, OnStance),
                    ignored => ignored.Then(RecordIgnored)),
            When(RoundTimeout.Received).IfElse(ctx => IsDeliberating(ctx.Saga) && ctx.Message.Round == ctx.Saga.Round,
                current => Route(current, OnRoundTimedOut),
                stale => stale.Then(ctx => OrchestratorLog.StaleRoundTimeout(_logger, ctx.Saga.CorrelationId, ctx.Message.Round, ctx.Saga.Round, ctx.Saga.CurrentState))),
            // The overdue sweep stands in for a round timeout that never arrived.
            When(RoundOverdueFound).If(ctx => IsDeliberating(ctx.Saga) && ctx.Message.Round == ctx.Saga.Round,
                current => Route(current, ctx => EndRound(ctx, timedOut: true))));
    }

    public State Deliberating { get; } = null!;
    public State Decided { get; } = null!;
    public State Escalated { get; } = null!;
    public State Refused { get; } = null!;

    public Event<StartDeliberation> Started { get; } = null!;
    public Event<StanceGiven> StanceGiven { get; } = null!;
    public Event<RoundOverdue> RoundOverdueFound { get; } = null!;

    public Schedule<DeliberationState, DeliberationRoundTimedOut> RoundTimeout { get; } = null!;

    /// <summary>
    /// Runs a decision, then schedules the timeout of the round it started, or, once the deliberation ended, cancels
    /// the pending one. A round's timeout is scheduled once, when the round starts (<see cref="DeliberationState.TimeoutRound"/>).
    /// </summary>
    private EventActivityBinder<DeliberationState, T> Route<T>(
        EventActivityBinder<DeliberationState, T> binder, Func<BehaviorContext<DeliberationState, T>, Task> decide)
        where T : class =>
        binder
            .ThenAsync(decide)
            .IfElse(ctx => IsDeliberating(ctx.Saga),
                deliberating => deliberating.If(ctx => ctx.Saga.TimeoutRound != ctx.Saga.Round,
                    started => started
                        .Then(ctx => ctx.Saga.TimeoutRound = ctx.Saga.Round)
                        .Schedule(RoundTimeout,
                            ctx => new DeliberationRoundTimedOut { DeliberationId = ctx.Saga.CorrelationId, Round = ctx.Saga.Round },
                            ctx => ctx.Saga.RoundTimeout)),
                ended => ended.Unschedule(RoundTimeout));

    private bool IsDeliberating(DeliberationState deliberation) => deliberation.CurrentState == Deliberating.Name;
}

using System.Globalization;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Hosting;
using MassTransit;

namespace Agents.Orchestrator.Deliberations;

/// <summary>The rounds of a deliberation: who is asked what, when a round ends, and what its end decides.</summary>
public sealed partial class DeliberationStateMachine
{
    private async Task Open(BehaviorContext<DeliberationState, StartDeliberation> ctx)
    {
        var deliberation = ctx.Saga;
        var request = ctx.Message;
        var policy = _policies.Find(request.Kind)!;
        Describe(deliberation, request);
        deliberation.Participants = policy.Participants;
        deliberation.Threshold = policy.Threshold;
        deliberation.MaxRounds = policy.MaxRounds;
        deliberation.RoundTimeout = policy.RoundTimeout;
        deliberation.Decisions = policy.Decisions;
        OrchestratorLog.DeliberationStarted(_logger, deliberation.CorrelationId, request.Kind, request.Summary,
            string.Join(", ", policy.Participants), policy.Threshold, policy.MaxRounds);
        await ctx.TransitionToState(Deliberating);
        await StartRound(ctx, 1);
    }

    /// <summary>
    /// A request for a kind the workflow file does not define: kept (Refused) so that it can be looked up, and
    /// answered like any other end with <see cref="DeliberationOutcomes.Refused"/> and the reason.
    /// </summary>
    private async Task Refuse(BehaviorContext<DeliberationState, StartDeliberation> ctx)
    {
        var deliberation = ctx.Saga;
        Describe(deliberation, ctx.Message);
        var known = _policies.ByKind.Keys.Order(StringComparer.Ordinal).ToList();
        deliberation.Reason = $"'{ctx.Message.Kind}' is not a deliberation of the workflow file "
            + $"(known: {(known.Count == 0 ? "none" : string.Join(", ", known))})";
        await ctx.TransitionToState(Refused);
        await Conclude(ctx, DeliberationOutcomes.Refused);
    }

    private void Describe(DeliberationState deliberation, StartDeliberation request)
    {
        var now = _clock.GetUtcNow();
        deliberation.Kind = request.Kind;
        deliberation.Summary = request.Summary;
        deliberation.Subject = request.Subject;
        deliberation.RequestedBy = request.RequestedBy;
        deliberation.CreatedAt = now;
        deliberation.UpdatedAt = now;
    }

    private async Task OnStance(BehaviorContext<DeliberationState, StanceGiven> ctx)
    {
        var deliberation = ctx.Saga;
        var stance = Validate(deliberation, ctx.Message);
        deliberation.CurrentStances = [.. deliberation.CurrentStances, stance];
        deliberation.UpdatedAt = _clock.GetUtcNow();
        if (stance.Silent)
        {
            OrchestratorLog.StanceMalformed(_logger, deliberation.CorrelationId, stance.Participant, deliberation.Round, stance.Note!);
        }

        if (deliberation.Participants.All(p => deliberation.CurrentStances.Any(s => s.Participant == p)))
        {
            await EndRound(ctx, timedOut: false);
        }
    }

    private Task OnRoundTimedOut(BehaviorContext<DeliberationState, DeliberationRoundTimedOut> ctx) => EndRound(ctx, timedOut: true);

    /// <summary>
    /// Asks every participant for its stance in <paramref name="round"/>, showing it the others' stances of the round
    /// before (silent ones included, marked so).
    /// </summary>
    private async Task StartRound(BehaviorContext<DeliberationState> ctx, int round)
    {
        var deliberation = ctx.Saga;
        deliberation.Round = round;
        deliberation.RoundStartedAt = _clock.GetUtcNow();
        deliberation.UpdatedAt = deliberation.RoundStartedAt;
        deliberation.CurrentStances = [];
        var previous = deliberation.Rounds.LastOrDefault()?.Stances ?? [];
        foreach (var participant in deliberation.Participants)
        {
            var endpoint = await ctx.GetSendEndpoint(AgentQueues.Address(participant));
            await endpoint.Send(new StanceRequested
            {
                DeliberationId = deliberation.CorrelationId,
                Round = round,
                Participant = participant,
                Kind = deliberation.Kind,
                Subject = deliberation.Subject,
                Summary = deliberation.Summary,
                Decisions = deliberation.Decisions,
                OtherStances = previous.Where(s => s.Participant != participant).ToList(),
            }, ctx.CancellationToken);
        }
    }

    /// <summary>Closes the round in progress (the participants without an answer are silent), then decides, escalates or goes on.</summary>
    private async Task EndRound(BehaviorContext<DeliberationState> ctx, bool timedOut)
    {
        var deliberation = ctx.Saga;
        var now = _clock.GetUtcNow();
        var stances = deliberation.Participants
            .Select(p => deliberation.CurrentStances.FirstOrDefault(s => s.Participant == p)
                ?? new Stance { Participant = p, Silent = true, Note = $"no answer within {Durations.Format(deliberation.RoundTimeout)}" })
            .ToList();
        var round = new DeliberationRound
        {
            Round = deliberation.Round, Stances = stances, TimedOut = timedOut, StartedAt = deliberation.RoundStartedAt, EndedAt = now,
        };
        deliberation.Rounds = [.. deliberation.Rounds, round];
        deliberation.CurrentStances = [];
        deliberation.UpdatedAt = now;
        OrchestratorLog.RoundEnded(_logger, deliberation.CorrelationId, round.Round, timedOut ? "timed out" : "all answered", Tally(stances));

        if (Consensus(stances, deliberation.Threshold) is { } consensus)
        {
            deliberation.Decision = consensus.Decision;
            deliberation.Confidence = consensus.Confidence;
            await ctx.TransitionToState(Decided);
            await Conclude(ctx, DeliberationOutcomes.Decided);
        }
        else if (deliberation.Round >= deliberation.MaxRounds)
        {
            deliberation.Reason = $"no {deliberation.Threshold} of {deliberation.Participants.Count} participants agreed in "
                + $"{deliberation.MaxRounds} round(s); last round: {Tally(stances)}";
            await ctx.TransitionToState(Escalated);
            await Conclude(ctx, DeliberationOutcomes.NoConsensus);
        }
        else
        {
            await StartRound(ctx, deliberation.Round + 1);
        }
    }

    /// <summary>
    /// The decision that at least <paramref name="threshold"/> stances gave, with their mean confidence; null when none
    /// did. Undecided stances never count. The threshold is a strict majority (the loader checks it), so at most one decision can reach it.
    /// </summary>
    internal static (string Decision, double Confidence)? Consensus(IReadOnlyList<Stance> stances, int threshold) =>
        stances
            .Where(s => !s.Silent && s.Decision is not null && s.Decision != Stance.Undecided)
            .GroupBy(s => s.Decision!, StringComparer.Ordinal)
            .Where(g => g.Count() >= threshold)
            .OrderByDescending(g => g.Count())
            .Select(g => ((string Decision, double Confidence)?)(g.Key, g.Average(s => s.Confidence ?? 0)))
            .FirstOrDefault();

    private static string Tally(IReadOnlyList<Stance> stances)
    {
        var parts = stances.Where(s => !s.Silent).GroupBy(s => s.Decision!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}")
            .ToList();
        var silent = stances.Count(s => s.Silent);
        if (silent > 0)
        {
            parts.Add($"silent {silent}");
        }

        return string.Join(", ", parts);
    }

    private async Task Conclude(BehaviorContext<DeliberationState> ctx, string outcome)
    {
        var deliberation = ctx.Saga;
        deliberation.UpdatedAt = _clock.GetUtcNow();
        var concluded = new DeliberationConcluded
        {
            DeliberationId = deliberation.CorrelationId,
            Kind = deliberation.Kind,
            Outcome = outcome,
            Decision = deliberation.Decision,
            Round = deliberation.Round,
            Confidence = deliberation.Confidence,
            Reason = deliberation.Reason,
            Rounds = deliberation.Rounds,
        };
        if (outcome == DeliberationOutcomes.NoConsensus)
        {
            OrchestratorLog.DeliberationEscalated(_logger, deliberation.CorrelationId, deliberation.Kind, deliberation.Reason ?? "no consensus");
        }
        else
        {
            OrchestratorLog.DeliberationConcluded(_logger, deliberation.CorrelationId, deliberation.Kind, outcome, deliberation.Round,
                deliberation.Decision ?? deliberation.Reason ?? "");
        }
        await ctx.Publish(concluded, ctx.CancellationToken);
        if (deliberation.RequestedBy is { } requester)
        {
            var endpoint = await ctx.GetSendEndpoint(requester);
            await endpoint.Send(concluded, ctx.CancellationToken);
        }
    }

    /// <summary>
    /// Why a stance is not counted (the deliberation ended, another round, not a participant, a second answer), or
    /// null when it is the awaited answer of a participant in the round in progress.
    /// </summary>
    private string? WhyIgnored(DeliberationState deliberation, StanceGiven stance)
    {
        if (!IsDeliberating(deliberation))
        {
            return $"the deliberation has ended ({deliberation.CurrentState})";
        }

        if (!deliberation.Participants.Contains(stance.Participant))
        {
            return $"'{stance.Participant}' is not a participant (participants: {string.Join(", ", deliberation.Participants)})";
        }

        if (stance.Round != deliberation.Round)
        {
            return $"it is for round {stance.Round}, the deliberation is in round {deliberation.Round}";
        }

        return deliberation.CurrentStances.Any(s => s.Participant == stance.Participant)
            ? $"'{stance.Participant}' already answered round {stance.Round}; the first answer counts"
            : null;
    }

    private void RecordIgnored(BehaviorContext<DeliberationState, StanceGiven> ctx)
    {
        var deliberation = ctx.Saga;
        var stance = ctx.Message;
        var why = WhyIgnored(deliberation, stance) ?? "not awaited";
        var now = _clock.GetUtcNow();
        deliberation.Ignored =
        [
            .. deliberation.Ignored,
            new IgnoredStance { At = now, Round = stance.Round, Participant = stance.Participant, Decision = stance.Decision, Why = why },
        ];
        deliberation.UpdatedAt = now;
        OrchestratorLog.StanceIgnored(_logger, deliberation.CorrelationId, stance.Participant, stance.Round, why);
    }

    /// <summary>
    /// The awaited stance as recorded: its decision in lower case, or, when it is malformed (no decision or reason, a
    /// decision the policy does not allow, a confidence outside 0..1), a silent stance saying why: it counts as no stance.
    /// </summary>
    internal static Stance Validate(DeliberationState deliberation, StanceGiven given)
    {
        var decision = given.Decision?.Trim().ToLowerInvariant() ?? "";
        var problems = new List<string>();
        if (decision.Length == 0)
        {
            problems.Add("no decision");
        }
        else if (deliberation.Decisions.Count > 0 && decision != Stance.Undecided && !deliberation.Decisions.Contains(decision))
        {
            problems.Add($"'{decision}' is not one of {string.Join(", ", deliberation.Decisions)} (or {Stance.Undecided})");
        }

        if (string.IsNullOrWhiteSpace(given.Reason))
        {
            problems.Add("no reason");
        }

        if (double.IsNaN(given.Confidence) || given.Confidence is < 0 or > 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"confidence {given.Confidence} is not between 0 and 1"));
        }

        return problems.Count == 0
            ? new Stance { Participant = given.Participant, Decision = decision, Reason = given.Reason!.Trim(), Confidence = given.Confidence }
            : new Stance
            {
                Participant = given.Participant,
                Silent = true,
                Note = $"malformed stance, counted as none: {string.Join("; ", problems)}",
            };
    }
}

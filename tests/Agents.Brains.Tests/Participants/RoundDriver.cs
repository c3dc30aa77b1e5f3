using System.Text.Json;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;

namespace Agents.Brains.Tests.Participants;

/// <summary>
/// A deliberation run in the test, the way the orchestrator counts it: every participant answers each round (round 1 with
/// no other stances, round N with the others' stances of round N-1); a failure outcome is an undecided stance, as the
/// participant consumer sends it; the round is decided when at least <c>threshold</c> give the same decision other than
/// undecided; after <c>maxRounds</c> without that, there is no consensus.
/// </summary>
public static class RoundDriver
{
    public sealed record Participant(string Name, IAgentBrain<StanceRequested, StanceDecision> Brain);

    public sealed record Result(string Outcome, string? Decision, int Round, IReadOnlyList<IReadOnlyList<Stance>> Rounds)
    {
        /// <summary>Each round on one line, for a failing assertion's message.</summary>
        public string Transcript => string.Join(Environment.NewLine, Rounds.Select((stances, i) =>
            $"round {i + 1}: " + string.Join(" | ", stances.Select(s => $"{s.Participant}={s.Decision} ({s.Reason})"))));
    }

    public static async Task<Result> Run(
        string kind, JsonElement subject, IReadOnlyList<string> decisions, int maxRounds, IReadOnlyList<Participant> participants, int threshold = 2)
    {
        var rounds = new List<IReadOnlyList<Stance>>();
        IReadOnlyList<Stance> previous = [];
        for (var round = 1; round <= maxRounds; round++)
        {
            var stances = new List<Stance>();
            foreach (var participant in participants)
            {
                var request = new StanceRequested
                {
                    DeliberationId = Guid.Empty,
                    Round = round,
                    Participant = participant.Name,
                    Kind = kind,
                    Subject = subject,
                    Summary = $"test {kind}",
                    Decisions = decisions,
                    OtherStances = [.. previous.Where(s => s.Participant != participant.Name)],
                };
                var outcome = await participant.Brain.DecideAsync(request, default);
                var stance = outcome.Result ?? new StanceDecision(Stance.Undecided, $"cannot judge: {outcome.FailureReason}", 0);
                stances.Add(new Stance { Participant = participant.Name, Decision = stance.Decision, Reason = stance.Reason, Confidence = stance.Confidence });
            }

            rounds.Add(stances);
            var agreed = stances
                .Where(s => s.Decision is { } d && !string.Equals(d, Stance.Undecided, StringComparison.OrdinalIgnoreCase))
                .GroupBy(s => s.Decision!.ToLowerInvariant())
                .FirstOrDefault(g => g.Count() >= threshold);
            if (agreed is not null)
            {
                return new(DeliberationOutcomes.Decided, agreed.Key, round, rounds);
            }

            previous = stances;
        }

        return new(DeliberationOutcomes.NoConsensus, null, maxRounds, rounds);
    }
}

using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;

namespace Agents.Hosting.Participants;

/// <summary>What every rule-based participant brain does the same way: read its subject, and read the others' findings.</summary>
public static class ParticipantRules
{
    /// <summary>
    /// The brain's outcome: <paramref name="decide"/> on the subject and the others' stances of the round before, or a
    /// failure with the reason when the subject could not be read (<paramref name="read"/>: the subject or the problem).
    /// </summary>
    public static Task<AgentOutcome<StanceDecision>> Judge<TSubject>(
        (TSubject? Subject, string? Problem) read, StanceRequested request, Func<TSubject, IReadOnlyList<Stance>, StanceDecision> decide)
        where TSubject : class =>
        Task.FromResult(read.Subject is { } subject
            ? AgentOutcome<StanceDecision>.Success(decide(subject, request.OtherStances))
            : AgentOutcome<StanceDecision>.Failure(read.Problem ?? "the subject could not be read"));

    /// <summary>
    /// The first of <paramref name="stances"/> that states one of <paramref name="findings"/> (a phrase in its reason) with
    /// <paramref name="decision"/>, or null: a reason that merely mentions a phrase under another decision, or a silent
    /// stance, does not count.
    /// </summary>
    public static Stance? Find(IEnumerable<Stance> stances, string decision, params string[] findings) =>
        stances.FirstOrDefault(s => !s.Silent
            && string.Equals(s.Decision, decision, StringComparison.OrdinalIgnoreCase)
            && s.Reason is { } reason
            && findings.Any(f => reason.Contains(f, StringComparison.OrdinalIgnoreCase)));
}

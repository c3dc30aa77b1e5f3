using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;

namespace Agents.Hosting.Participants;

/// <summary>Names a deliberation participant: its name is also the queue it takes <see cref="StanceRequested"/> from.</summary>
public interface IParticipant
{
    static abstract string Name { get; }
}

/// <summary>
/// The brain of participant <typeparamref name="TParticipant"/> (rule-based or model-based): given the subject and the
/// others' stances of the round before, its own stance. A failure outcome (cannot judge this subject) is answered as an
/// undecided stance with the reason; an exception is a transient fault for the retry policy.
/// </summary>
public interface IParticipantBrain<TParticipant> : IAgentBrain<StanceRequested, StanceDecision>
    where TParticipant : IParticipant;

using Agents.Contracts;
using Agents.Hosting.Participants;

namespace Agents.Policy;

/// <summary>The <c>policy</c> participant of claim adjudication (its queue: <c>policy</c>).</summary>
public sealed class PolicyParticipant : IParticipant
{
    public static string Name => Participants.Policy;
}

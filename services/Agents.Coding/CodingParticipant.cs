using Agents.Contracts;
using Agents.Hosting.Participants;

namespace Agents.Coding;

/// <summary>The <c>coding</c> participant of claim adjudication (its queue: <c>coding</c>).</summary>
public sealed class CodingParticipant : IParticipant
{
    public static string Name => Participants.Coding;
}

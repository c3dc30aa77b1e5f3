using Agents.Contracts;
using Agents.Hosting.Participants;

namespace Agents.Medical;

/// <summary>The <c>medical</c> participant of claim adjudication (its queue: <c>medical</c>).</summary>
public sealed class MedicalParticipant : IParticipant
{
    public static string Name => Participants.Medical;
}

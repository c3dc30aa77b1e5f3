using Agents.Contracts;
using Agents.Hosting.Participants;

namespace Agents.Reviewers;

/// <summary>The <c>safety</c> reviewer of incident approval: is the proposed remediation safe to run unattended?</summary>
public sealed class SafetyParticipant : IParticipant
{
    public static string Name => Participants.Safety;
}

/// <summary>The <c>change-policy</c> reviewer of incident approval: do the change freezes allow it?</summary>
public sealed class ChangePolicyParticipant : IParticipant
{
    public static string Name => Participants.ChangePolicy;
}

/// <summary>The <c>blast-radius</c> reviewer of incident approval: how much could go wrong if the remediation is wrong?</summary>
public sealed class BlastRadiusParticipant : IParticipant
{
    public static string Name => Participants.BlastRadius;
}

namespace Agents.Contracts.Deliberation;

/// <summary>How a deliberation ended (<see cref="DeliberationConcluded.Outcome"/>).</summary>
public static class DeliberationOutcomes
{
    /// <summary>At least the threshold of participants agreed in one round.</summary>
    public const string Decided = "Decided";

    /// <summary>The last round ended without the threshold agreeing: a human decides.</summary>
    public const string NoConsensus = "NoConsensus";

    /// <summary>The request was not run (an unknown kind): <see cref="DeliberationConcluded.Reason"/> says why.</summary>
    public const string Refused = "Refused";
}

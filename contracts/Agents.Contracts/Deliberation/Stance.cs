namespace Agents.Contracts.Deliberation;

/// <summary>
/// One participant's position in one round as the orchestrator recorded it. A participant that did not answer in time,
/// or whose answer was malformed, is <see cref="Silent"/>: it has no decision, and <see cref="Note"/> says why.
/// </summary>
public sealed record Stance
{
    public required string Participant { get; init; }

    /// <summary>The decision (lower case, e.g. <c>pay</c>, <c>deny</c>, <c>approve</c>); null when silent.</summary>
    public string? Decision { get; init; }

    public string? Reason { get; init; }

    /// <summary>Between 0 and 1; null when silent.</summary>
    public double? Confidence { get; init; }

    public bool Silent { get; init; }

    /// <summary>
    /// The decision of a participant that cannot decide yet (e.g. it waits for another participant's finding). It is
    /// always accepted, recorded with its reason, and never counts toward a consensus.
    /// </summary>
    public const string Undecided = "undecided";

    /// <summary>Why a stance is silent ("no answer within 30s", "malformed: ..."), or null.</summary>
    public string? Note { get; init; }
}

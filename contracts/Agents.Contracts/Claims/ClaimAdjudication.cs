using Agents.Contracts.Deliberation;

namespace Agents.Contracts.Claims;

/// <summary>How a claim maps onto its deliberation.</summary>
public static class ClaimAdjudication
{
    /// <summary>The deliberation kind (the <c>deliberations:</c> section of the workflow file).</summary>
    public const string Kind = "claim-adjudication";

    public const string Pay = "pay";

    public const string Deny = "deny";

    /// <summary>
    /// The deliberation id of a claim: a name-based UUID (version 5 layout, SHA-1) of its claim id, so that a claim sent
    /// twice attaches to the same deliberation and <c>GET /claims/{claimId}</c> finds it without an index.
    /// </summary>
    public static Guid DeliberationId(string claimId) => DeliberationIds.FromName($"agents/claim/{claimId}");
}

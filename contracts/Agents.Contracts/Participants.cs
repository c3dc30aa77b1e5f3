namespace Agents.Contracts;

/// <summary>
/// The deliberation participants this system ships, each a service consuming <c>StanceRequested</c> from the queue of
/// its name (the names the <c>deliberations:</c> section of the workflow file lists).
/// </summary>
public static class Participants
{
    /// <summary>Claim adjudication: does the member's plan cover this claim?</summary>
    public const string Policy = "policy";

    /// <summary>Claim adjudication: are the procedure and diagnosis codes valid and consistent?</summary>
    public const string Coding = "coding";

    /// <summary>Claim adjudication: is the procedure medically necessary for the diagnosis?</summary>
    public const string Medical = "medical";

    /// <summary>Incident approval: is the proposed remediation safe to run unattended?</summary>
    public const string Safety = "safety";

    /// <summary>Incident approval: does the change policy (freezes, protected services) allow it?</summary>
    public const string ChangePolicy = "change-policy";

    /// <summary>Incident approval: how much could go wrong if the remediation is wrong?</summary>
    public const string BlastRadius = "blast-radius";

    public static IReadOnlyList<string> ClaimAdjudication { get; } = [Policy, Coding, Medical];

    public static IReadOnlyList<string> IncidentApproval { get; } = [Safety, ChangePolicy, BlastRadius];

    public static IReadOnlyList<string> All { get; } = [.. ClaimAdjudication, .. IncidentApproval];
}

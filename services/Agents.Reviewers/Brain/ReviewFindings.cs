using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Hosting.Participants;

namespace Agents.Reviewers.Brain;

/// <summary>
/// The phrases the incident-approval reviewers put in their reasons and look for in each other's reasons of the round
/// before. A finding counts only when the stance that states it carries the matching decision (a confirmation with
/// <c>approve</c>, a concern with <c>deny</c>).
/// </summary>
public static class ReviewFindings
{
    /// <summary>Safety (approve): the remediation is safe to run unattended.</summary>
    public const string SafetyConfirmed = "safety confirmed";

    /// <summary>Safety (deny): running the remediation unattended is not safe.</summary>
    public const string SafetyConcern = "safety concern";

    /// <summary>Change-policy (approve): no change freeze stands in the way.</summary>
    public const string ChangeAllowed = "change allowed";

    /// <summary>Change-policy (deny): the service is under a change freeze.</summary>
    public const string ChangeFreeze = "change freeze";

    /// <summary>Blast-radius (approve): a wrong remediation would do limited harm.</summary>
    public const string BlastRadiusContained = "blast radius contained";

    /// <summary>Blast-radius (deny): a wrong remediation would do too much harm.</summary>
    public const string BlastRadiusTooWide = "blast radius too wide";

    /// <summary>Safety's stance of the round before when it states its finding, approving or denying; else null.</summary>
    public static Stance? Safety(IEnumerable<Stance> others) =>
        ParticipantRules.Find(others, RemediationApproval.Approve, SafetyConfirmed) ?? ParticipantRules.Find(others, RemediationApproval.Deny, SafetyConcern);
}

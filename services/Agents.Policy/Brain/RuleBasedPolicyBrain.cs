using System.Globalization;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;

namespace Agents.Policy.Brain;

/// <summary>
/// The policy participant by fixed rules: does the member's plan (<see cref="PlanCoverage.Plans"/>) cover the claim?
/// First match wins:
/// <list type="number">
/// <item>an unknown plan, an amount not above zero, out-of-network care the plan does not cover, a procedure the plan
/// excludes, or an amount over the plan's limit per claim: <b>deny</b> (<see cref="ClaimFindings.NotCovered"/>);</item>
/// <item>a procedure that needs prior authorization (<see cref="PlanCoverage.PriorAuthorizationRequired"/>) the claim
/// lacks: it changes its mind on the others' findings of the round before: <b>deny</b> when another participant reports
/// a miscoded or unnecessary procedure, <b>pay</b> (accepted on retrospective review) when another confirms the code match
/// or the medical necessity, else <b>undecided</b> (always so in round 1);</item>
/// <item>otherwise: <b>pay</b> (<see cref="ClaimFindings.CoverageConfirmed"/>).</item>
/// </list>
/// Clinical notes are never read.
/// </summary>
public sealed class RuleBasedPolicyBrain : IParticipantBrain<PolicyParticipant>
{
    public string Kind => "rules";

    public Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken) =>
        ParticipantRules.Judge(ClaimReader.ReadSubject(request.Subject), request, Decide);

    public static StanceDecision Decide(Claim claim, IReadOnlyList<Stance> others)
    {
        var procedure = claim.ProcedureCode.Trim();
        if (!PlanCoverage.Plans.TryGetValue(claim.Plan.Trim(), out var plan))
        {
            return NotCovered($"the plan '{claim.Plan}' is not one the payer offers");
        }

        if (claim.Amount <= 0)
        {
            return NotCovered($"the amount {Money(claim.Amount)} is not a charge");
        }

        if (!claim.InNetwork && !plan.OutOfNetwork)
        {
            return NotCovered($"the {plan.Plan} plan does not cover out-of-network care");
        }

        if (plan.Excluded.Contains(procedure))
        {
            return NotCovered($"the {plan.Plan} plan excludes procedure {procedure}");
        }

        if (claim.Amount > plan.LimitPerClaim)
        {
            return NotCovered($"the amount {Money(claim.Amount)} exceeds the {plan.Plan} plan's limit of {Money(plan.LimitPerClaim)} per claim");
        }

        if (PlanCoverage.PriorAuthorizationRequired.Contains(procedure) && !claim.PriorAuthorization)
        {
            if (ParticipantRules.Find(others, ClaimAdjudication.Deny,
                    ClaimFindings.CodeMismatch, ClaimFindings.InvalidCode, ClaimFindings.NotMedicallyNecessary) is { } objection)
            {
                return new(ClaimAdjudication.Deny, $"{ClaimFindings.NotCovered}: {procedure} needs prior authorization, the claim has none, "
                    + $"and {objection.Participant} objects to it", 0.85);
            }

            if (ParticipantRules.Find(others, ClaimAdjudication.Pay,
                    ClaimFindings.CodeMatchConfirmed, ClaimFindings.MedicalNecessityConfirmed) is { } support)
            {
                return new(ClaimAdjudication.Pay, $"{ClaimFindings.CoverageConfirmed}: {procedure} lacks prior authorization but is accepted "
                    + $"on retrospective review, {support.Participant} having confirmed the claim", 0.7);
            }

            return new(Stance.Undecided, $"{procedure} needs prior authorization and the claim has none: waiting for another "
                + "participant to confirm the coding or the medical necessity", 0.4);
        }

        return new(ClaimAdjudication.Pay, $"{ClaimFindings.CoverageConfirmed}: the {plan.Plan} plan covers {procedure} "
            + $"({Money(claim.Amount)} within the limit of {Money(plan.LimitPerClaim)})", 0.9);
    }

    private static StanceDecision NotCovered(string why) => new(ClaimAdjudication.Deny, $"{ClaimFindings.NotCovered}: {why}", 0.9);

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}

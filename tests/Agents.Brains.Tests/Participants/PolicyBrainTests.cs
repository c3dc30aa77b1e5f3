using ParticipantNames = Agents.Contracts.Participants;
using Agents.Contracts;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Policy.Brain;
using static Agents.Brains.Tests.Participants.ClaimCases;

namespace Agents.Brains.Tests.Participants;

public sealed class PolicyBrainTests
{
    private readonly RuleBasedPolicyBrain _brain = new();

    [Fact]
    public async Task A_covered_claim_is_paid_with_coverage_confirmed()
    {
        var outcome = await _brain.DecideAsync(Request(Claim(), ParticipantNames.Policy), default);

        Assert.Equal(ClaimAdjudication.Pay, outcome.Result!.Decision);
        Assert.Equal("coverage confirmed: the gold plan covers 70553 (1850.00 within the limit of 25000.00)", outcome.Result.Reason);
    }

    [Theory]
    [InlineData("platinum", "70553", 1850, true, "the plan 'platinum' is not one the payer offers")]
    [InlineData("gold", "70553", 0, true, "the amount 0.00 is not a charge")]
    [InlineData("silver", "70553", 1850, false, "the silver plan does not cover out-of-network care")]
    [InlineData("bronze", "27447", 2000, true, "the bronze plan excludes procedure 27447")]
    [InlineData("bronze", "93000", 2600, true, "the amount 2600.00 exceeds the bronze plan's limit of 2500.00 per claim")]
    [InlineData("gold", "27447", 30000, true, "the amount 30000.00 exceeds the gold plan's limit of 25000.00 per claim")]
    public void A_claim_the_plan_does_not_cover_is_denied(string plan, string procedure, int amount, bool inNetwork, string why)
    {
        var stance = RuleBasedPolicyBrain.Decide(Claim(procedure, plan: plan, amount: amount, inNetwork: inNetwork), []);

        Assert.Equal(ClaimAdjudication.Deny, stance.Decision);
        Assert.Equal($"not covered: {why}", stance.Reason);
    }

    [Fact]
    public void Gold_covers_out_of_network_care_and_plans_are_matched_without_regard_to_case()
    {
        var stance = RuleBasedPolicyBrain.Decide(Claim(plan: "Gold", inNetwork: false), []);

        Assert.Equal(ClaimAdjudication.Pay, stance.Decision);
    }

    [Fact]
    public void Missing_prior_authorization_is_undecided_in_round_1()
    {
        var stance = RuleBasedPolicyBrain.Decide(Claim(priorAuthorization: false), []);

        Assert.Equal(Stance.Undecided, stance.Decision);
        Assert.StartsWith("70553 needs prior authorization and the claim has none", stance.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ParticipantNames.Coding, "code match confirmed: 70553 is consistent with G43.909")]
    [InlineData(ParticipantNames.Medical, "medical necessity confirmed: 70553 is indicated for G43.909")]
    public void Missing_prior_authorization_is_paid_on_review_once_another_participant_confirms_the_claim(string participant, string reason)
    {
        var stance = RuleBasedPolicyBrain.Decide(Claim(priorAuthorization: false), [StanceOf(participant, ClaimAdjudication.Pay, reason)]);

        Assert.Equal(ClaimAdjudication.Pay, stance.Decision);
        Assert.Equal($"coverage confirmed: 70553 lacks prior authorization but is accepted on retrospective review, {participant} having confirmed the claim", stance.Reason);
    }

    [Fact]
    public void Missing_prior_authorization_is_denied_when_another_participant_objects_even_if_a_third_confirms()
    {
        var stance = RuleBasedPolicyBrain.Decide(Claim("29881", ["M17.11"], priorAuthorization: false), [
            CodingStance(ClaimAdjudication.Deny, "code mismatch: 29881 is not consistent with M17.11"),
            MedicalStance(ClaimAdjudication.Pay, "medical necessity confirmed: 29881 is indicated for M17.11")]);

        Assert.Equal(ClaimAdjudication.Deny, stance.Decision);
        Assert.Equal("not covered: 29881 needs prior authorization, the claim has none, and coding objects to it", stance.Reason);
    }

    [Fact]
    public void A_confirmation_phrase_under_another_decision_does_not_count()
    {
        var stance = RuleBasedPolicyBrain.Decide(Claim(priorAuthorization: false), [
            CodingStance(ClaimAdjudication.Deny, "no code match confirmed here"),
            MedicalStance(Stance.Undecided, "medical necessity confirmed? not yet")]);

        Assert.Equal(Stance.Undecided, stance.Decision);
    }

    [Fact]
    public void Clinical_notes_claiming_an_authorization_do_not_change_the_decision()
    {
        var claim = Claim(priorAuthorization: false);

        var injected = RuleBasedPolicyBrain.Decide(claim with { ClinicalNotes = "Prior authorization granted by phone. " + Injection }, []);

        Assert.Equal(RuleBasedPolicyBrain.Decide(claim, []), injected);
        Assert.Equal(Stance.Undecided, injected.Decision);
    }
}

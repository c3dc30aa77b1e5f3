using ParticipantNames = Agents.Contracts.Participants;
using Agents.Coding.Brain;
using Agents.Contracts;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using static Agents.Brains.Tests.Participants.ClaimCases;

namespace Agents.Brains.Tests.Participants;

public sealed class CodingBrainTests
{
    private readonly RuleBasedCodingBrain _brain = new();

    [Fact]
    public async Task A_procedure_consistent_with_the_primary_diagnosis_is_paid_with_the_code_match_confirmed()
    {
        var outcome = await _brain.DecideAsync(Request(Claim(), ParticipantNames.Coding), default);

        Assert.Equal("rules", _brain.Kind);
        Assert.Equal(ClaimAdjudication.Pay, outcome.Result!.Decision);
        Assert.Equal("code match confirmed: 70553 is consistent with G43.909", outcome.Result.Reason);
        Assert.InRange(outcome.Result.Confidence, 0.8, 1);
    }

    [Fact]
    public void A_procedure_consistent_with_no_diagnosis_is_denied_as_a_code_mismatch()
    {
        var stance = RuleBasedCodingBrain.Decide(Claim("27447", ["J06.9"]), []);

        Assert.Equal(ClaimAdjudication.Deny, stance.Decision);
        Assert.Equal("code mismatch: 27447 is not consistent with J06.9", stance.Reason);
    }

    [Theory]
    [InlineData("7055", "G43.909", "procedure '7055' is not a CPT code")]
    [InlineData("70553-X", "G43.909", "procedure '70553-X' is not a CPT code")]
    [InlineData("ABCDE", "G43.909", "procedure 'ABCDE' is not a CPT code")]
    [InlineData("70553", "43.909", "diagnosis '43.909' is not an ICD-10-CM code")]
    [InlineData("70553", "G43.90912", "diagnosis 'G43.90912' is not an ICD-10-CM code")]
    public void A_malformed_code_is_denied_as_invalid(string procedure, string diagnosis, string why)
    {
        var stance = RuleBasedCodingBrain.Decide(Claim(procedure, [diagnosis]), []);

        Assert.Equal(ClaimAdjudication.Deny, stance.Decision);
        Assert.Equal($"invalid code: {why}", stance.Reason.Split(" (")[0]);
    }

    [Fact]
    public void A_claim_without_a_diagnosis_is_denied_as_invalid()
    {
        var stance = RuleBasedCodingBrain.Decide(Claim(diagnoses: []), []);

        Assert.Equal(ClaimAdjudication.Deny, stance.Decision);
        Assert.Equal("invalid code: the claim has no diagnosis code", stance.Reason);
    }

    [Theory]
    [InlineData("64999")]
    [InlineData("0042T")]
    public void A_well_formed_code_missing_from_the_table_is_undecided_and_stays_so_whatever_the_others_say(string procedure)
    {
        var first = RuleBasedCodingBrain.Decide(Claim(procedure), []);
        var later = RuleBasedCodingBrain.Decide(Claim(procedure), [
            MedicalStance(ClaimAdjudication.Pay, $"medical necessity confirmed: {procedure} is indicated for G43.909"),
            PolicyStance(ClaimAdjudication.Pay, "coverage confirmed: the gold plan covers it")]);

        Assert.Equal(Stance.Undecided, first.Decision);
        Assert.Equal($"cannot verify code {procedure}: it is not in the coding table", first.Reason);
        Assert.Equal(first, later);
    }

    [Fact]
    public void A_match_on_a_secondary_diagnosis_only_waits_in_round_1_then_follows_medicals_finding()
    {
        var claim = Claim(diagnoses: ["M54.50", "G43.909"]);

        var first = RuleBasedCodingBrain.Decide(claim, []);
        var afterNecessity = RuleBasedCodingBrain.Decide(claim, [MedicalStance(ClaimAdjudication.Pay, "medical necessity confirmed: 70553 is indicated for G43.909")]);
        var afterObjection = RuleBasedCodingBrain.Decide(claim, [MedicalStance(ClaimAdjudication.Deny, "not medically necessary: 70553 is not indicated for M54.50")]);

        Assert.Equal(Stance.Undecided, first.Decision);
        Assert.Contains("consistent only with secondary diagnosis G43.909, not with primary M54.50", first.Reason, StringComparison.Ordinal);
        Assert.Equal(ClaimAdjudication.Pay, afterNecessity.Decision);
        Assert.StartsWith("code match confirmed: 70553 is consistent with secondary diagnosis G43.909, and medical confirms", afterNecessity.Reason, StringComparison.Ordinal);
        Assert.Equal(ClaimAdjudication.Deny, afterObjection.Decision);
        Assert.StartsWith("code mismatch: ", afterObjection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_finding_counts_only_with_its_decision_and_from_a_stance_that_was_not_silent()
    {
        var claim = Claim(diagnoses: ["M54.50", "G43.909"]);

        var stance = RuleBasedCodingBrain.Decide(claim, [
            MedicalStance(Stance.Undecided, "I cannot say medical necessity confirmed yet"),
            new Stance { Participant = ParticipantNames.Policy, Silent = true, Reason = "medical necessity confirmed", Note = "no answer within 30s" }]);

        Assert.Equal(Stance.Undecided, stance.Decision);
    }

    [Fact]
    public void Clinical_notes_asking_for_payment_do_not_change_the_decision()
    {
        var plain = RuleBasedCodingBrain.Decide(Claim("27447", ["J06.9"]), []);
        var injected = RuleBasedCodingBrain.Decide(Claim("27447", ["J06.9"], notes: Injection), []);

        Assert.Equal(plain, injected);
        Assert.DoesNotContain("IGNORE", injected.Reason, StringComparison.OrdinalIgnoreCase);
    }
}

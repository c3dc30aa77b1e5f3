using ParticipantNames = Agents.Contracts.Participants;
using Agents.Brains.Tests.Support;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Reviewers.Brain;
using static Agents.Brains.Tests.Participants.ApprovalCases;

namespace Agents.Brains.Tests.Participants;

/// <summary>Incident approvals deliberated by the three rule reviewers (2 of 3, at most 3 rounds), with and without freezes.</summary>
public sealed class ApprovalDeliberationTests
{
    private static Task<RoundDriver.Result> Deliberate(RemediationApprovalSubject subject, ReviewersOptions options) =>
        RoundDriver.Run(RemediationApproval.Kind, ClaimCases.Json(subject), [RemediationApproval.Approve, RemediationApproval.Deny], 3, ReviewerBrains(options));

    private static void AssertEnds(RoundDriver.Result result, string? decision, int round)
    {
        var outcome = decision is null ? DeliberationOutcomes.NoConsensus : DeliberationOutcomes.Decided;
        Assert.True(result.Outcome == outcome && result.Decision == decision && result.Round == round,
            $"expected {outcome}/{decision}/round {round}, got {result.Outcome}/{result.Decision}/round {result.Round}" + Environment.NewLine + result.Transcript);
    }

    [Fact]
    public async Task A_rollback_to_a_known_good_version_is_approved_in_round_1_by_default()
    {
        var result = await Deliberate(Subject(), Options());

        AssertEnds(result, RemediationApproval.Approve, 1);
        Assert.All(result.Rounds[0], s => Assert.Equal(RemediationApproval.Approve, s.Decision));
    }

    [Fact]
    public async Task An_unknown_root_cause_is_denied_in_round_2_once_blast_radius_has_read_safetys_concern()
    {
        var result = await Deliberate(Subject(Unknown()), Options());

        AssertEnds(result, RemediationApproval.Deny, 2);
        Assert.Equal(Stance.Undecided, result.Rounds[0].Single(s => s.Participant == ParticipantNames.BlastRadius).Decision);
        Assert.Equal(RemediationApproval.Deny, result.Rounds[1].Single(s => s.Participant == ParticipantNames.BlastRadius).Decision);
    }

    [Fact]
    public async Task A_freeze_turns_an_approval_the_others_would_give_over_safetys_concern_into_a_denial()
    {
        var subject = Subject(Samples.Regression() with { ErrorsObserved = false });

        var byDefault = await Deliberate(subject, Options());
        var frozen = await Deliberate(subject, Options(frozen: ["auth-service"]));

        AssertEnds(byDefault, RemediationApproval.Approve, 1);
        AssertEnds(frozen, RemediationApproval.Deny, 1);
    }

    [Fact]
    public async Task A_frozen_service_is_not_remediated_unattended_when_blast_radius_also_objects()
    {
        var subject = Subject(Samples.Regression() with { Confidence = 0.6 });

        var byDefault = await Deliberate(subject, Options());
        var frozenAndCritical = await Deliberate(subject, Options(frozen: ["auth-service"], critical: ["auth-service"]));

        AssertEnds(byDefault, RemediationApproval.Approve, 1);
        AssertEnds(frozenAndCritical, RemediationApproval.Deny, 1);
    }

    [Fact]
    public async Task A_critical_incident_on_a_frozen_critical_service_is_approved_in_round_2_when_both_others_follow_safety()
    {
        var subject = Subject(Samples.Regression() with { Confidence = 0.8 }, severity: Severities.Critical);

        var result = await Deliberate(subject, Options(frozen: ["auth-service"], critical: ["auth-service"]));

        AssertEnds(result, RemediationApproval.Approve, 2);
        Assert.Equal(
            [RemediationApproval.Approve, Stance.Undecided, Stance.Undecided],
            result.Rounds[0].Select(s => s.Decision));
        Assert.All(result.Rounds[1], s => Assert.Equal(RemediationApproval.Approve, s.Decision));
    }

    [Fact]
    public async Task The_same_incident_is_denied_in_round_2_when_safety_has_a_concern()
    {
        Hypothesis noTarget = Samples.Regression(lastGood: null) with { Confidence = 0.8 };

        var result = await Deliberate(Subject(noTarget, severity: Severities.Critical), Options(frozen: ["auth-service"], critical: ["auth-service"]));

        AssertEnds(result, RemediationApproval.Deny, 2);
    }
}

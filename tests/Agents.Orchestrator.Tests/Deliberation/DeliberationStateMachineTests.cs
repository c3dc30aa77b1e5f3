using Agents.Contracts.Deliberation;
using Agents.Orchestrator.Workflows;
using MassTransit;
using MassTransit.Testing;

namespace Agents.Orchestrator.Tests.Deliberation;

public sealed class DeliberationStateMachineTests
{
    [Fact]
    public async Task Two_of_three_paying_in_round_one_decides_pay_with_the_mean_confidence_of_the_agreeing_stances()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();

        foreach (var participant in DeliberationHarness.ClaimPolicy.Participants)
        {
            var request = await h.Requested(id, 1, participant);
            Assert.Empty(request.OtherStances);
            Assert.Equal("CLM-2026-0042", request.Subject.GetProperty("claimId").GetString());
            Assert.Equal(["pay", "deny"], request.Decisions);
        }

        await h.Stance(id, 1, "policy", "pay", 0.9, "covered under plan section 4.2");
        await h.Stance(id, 1, "coding", "PAY", 0.7, "99213 matches J06.9");
        await h.Stance(id, 1, "medical", "deny", 0.6, "visit not medically necessary");

        var deliberation = await h.InState(id, h.Machine.Decided);
        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Decided, "pay", 1), (concluded.Outcome, concluded.Decision, concluded.Round));
        Assert.Equal(0.8, concluded.Confidence!.Value, 6);
        Assert.Equal(DeliberationHarness.Claims, concluded.Kind);
        var round = Assert.Single(concluded.Rounds);
        Assert.False(round.TimedOut);
        Assert.Equal(["pay", "pay", "deny"], round.Stances.Select(s => s.Decision));
        Assert.Equal(("pay", 1), (deliberation.Decision, deliberation.Round));
        Assert.DoesNotContain(h.AllRequested(id), r => r.Round > 1);
    }

    [Fact]
    public async Task A_change_of_mind_in_round_two_decides_and_round_two_shows_each_the_others_round_one_stances()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();

        // Round 1: pay against deny, the medical agent says nothing: no two agree.
        await h.Stance(id, 1, "policy", "pay", 0.9, "covered under plan section 4.2");
        await h.Stance(id, 1, "coding", "deny", 0.6, "modifier 25 missing");
        await h.TimeOut(id, 1);
        await h.InRound(id, 2);

        var toCoding = await h.Requested(id, 2, "coding");
        Assert.Equal(["policy", "medical"], toCoding.OtherStances.Select(s => s.Participant));
        var policyStance = toCoding.OtherStances[0];
        Assert.Equal(("pay", "covered under plan section 4.2", 0.9, false),
            (policyStance.Decision, policyStance.Reason, policyStance.Confidence, policyStance.Silent));
        Assert.True(toCoding.OtherStances[1].Silent);
        var toPolicy = await h.Requested(id, 2, "policy");
        Assert.Equal(("coding", "deny", "modifier 25 missing"),
            (toPolicy.OtherStances[0].Participant, toPolicy.OtherStances[0].Decision, toPolicy.OtherStances[0].Reason));

        // Round 2: the coding agent, shown the policy agent's reason, changes its mind.
        await h.Stance(id, 2, "policy", "pay", 0.9);
        await h.Stance(id, 2, "coding", "pay", 0.7, "modifier not required for this plan");
        await h.Stance(id, 2, "medical", "deny", 0.5);

        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Decided, "pay", 2), (concluded.Outcome, concluded.Decision, concluded.Round));
        Assert.Equal(0.8, concluded.Confidence!.Value, 6);
        Assert.Equal([1, 2], concluded.Rounds.Select(r => r.Round));
        Assert.True(concluded.Rounds[0].TimedOut);
        Assert.Equal("deny", concluded.Rounds[0].Stances.Single(s => s.Participant == "coding").Decision);
        Assert.Equal("pay", concluded.Rounds[1].Stances.Single(s => s.Participant == "coding").Decision);
    }

    [Fact]
    public async Task No_consensus_in_any_round_escalates_after_the_last_round_with_every_round_in_history()
    {
        var policy = DeliberationHarness.ClaimPolicy with { Decisions = [] };
        await using var h = await DeliberationHarness.Start(policy);
        var id = await h.Begin();

        for (var round = 1; round <= 5; round++)
        {
            await h.InRound(id, round);
            await h.Stance(id, round, "policy", "pay");
            await h.Stance(id, round, "coding", "deny");
            await h.Stance(id, round, "medical", "pend");
        }

        var deliberation = await h.InState(id, h.Machine.Escalated);
        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.NoConsensus, null, 5, null), (concluded.Outcome, concluded.Decision, concluded.Round, concluded.Confidence));
        Assert.Equal([1, 2, 3, 4, 5], concluded.Rounds.Select(r => r.Round));
        Assert.All(concluded.Rounds, r => Assert.Equal(["pay", "deny", "pend"], r.Stances.Select(s => s.Decision)));
        Assert.Contains("no 2 of 3 participants agreed in 5 round(s)", concluded.Reason);
        Assert.Equal(concluded.Reason, deliberation.Reason);
        Assert.DoesNotContain(h.AllRequested(id), r => r.Round > 5);
        Assert.Equal(15, h.AllRequested(id).Count);
    }

    [Fact]
    public async Task An_undecided_stance_is_recorded_with_its_reason_never_counts_and_its_author_can_decide_later()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();

        // Round 1: pay, deny and undecided (allowed although not listed in decisions): no two agree.
        await h.Stance(id, 1, "policy", "Undecided", 0.4, "coverage depends on whether the codes match");
        await h.Stance(id, 1, "coding", "pay", 0.9, "70553 is supported by G43.909");
        await h.Stance(id, 1, "medical", "deny", 0.6, "no red flags documented");
        await h.InRound(id, 2);
        var toPolicy = await h.Requested(id, 2, "policy");
        Assert.Equal(["pay", "deny"], toPolicy.OtherStances.Select(s => s.Decision));
        var toCoding = await h.Requested(id, 2, "coding");
        var undecided = toCoding.OtherStances.Single(s => s.Participant == "policy");
        Assert.Equal(("undecided", "coverage depends on whether the codes match", false), (undecided.Decision, undecided.Reason, undecided.Silent));

        // Two undecided stances never make a consensus either.
        await h.Stance(id, 2, "policy", "undecided", 0.4, "still waiting");
        await h.Stance(id, 2, "coding", "undecided", 0.5, "cannot tell");
        await h.Stance(id, 2, "medical", "deny", 0.6);
        await h.InRound(id, 3);

        await h.Stance(id, 3, "policy", "pay", 0.8, "the coding agent confirms the diagnosis supports the procedure");
        await h.Stance(id, 3, "coding", "pay", 0.9);
        await h.Stance(id, 3, "medical", "deny", 0.6);

        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Decided, "pay", 3), (concluded.Outcome, concluded.Decision, concluded.Round));
        Assert.Equal(["undecided", "pay", "deny"], concluded.Rounds[0].Stances.Select(s => s.Decision));
        Assert.All(concluded.Rounds.SelectMany(r => r.Stances), s => Assert.False(s.Silent));
    }

    [Fact]
    public async Task A_silent_participant_is_recorded_when_the_round_times_out_and_the_others_can_still_decide()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();

        await h.Stance(id, 1, "policy", "deny", 0.9);
        await h.Stance(id, 1, "medical", "deny", 0.8);
        await h.Until(id, d => d.CurrentStances.Count == 2, "two stances in");
        Assert.Equal(h.Machine.Deliberating.Name, h.Saga.Sagas.Contains(id)!.CurrentState);
        await h.TimeOut(id, 1);

        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Decided, "deny", 1), (concluded.Outcome, concluded.Decision, concluded.Round));
        Assert.Equal(0.85, concluded.Confidence!.Value, 6);
        var round = Assert.Single(concluded.Rounds);
        Assert.True(round.TimedOut);
        var coding = round.Stances.Single(s => s.Participant == "coding");
        Assert.True(coding.Silent);
        Assert.Null(coding.Decision);
        Assert.Equal("no answer within 30s", coding.Note);
    }

    [Fact]
    public async Task When_everyone_is_silent_the_next_round_asks_again_showing_them_silent()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();

        await h.TimeOut(id, 1);

        var deliberation = await h.InRound(id, 2);
        var round = Assert.Single(deliberation.Rounds);
        Assert.True(round.TimedOut);
        Assert.All(round.Stances, s => Assert.True(s.Silent));
        var request = await h.Requested(id, 2, "medical");
        Assert.Equal(["policy", "coding"], request.OtherStances.Select(s => s.Participant));
        Assert.All(request.OtherStances, s => Assert.True(s.Silent));
    }

    [Fact]
    public async Task Three_of_five_agreeing_decides()
    {
        await using var h = await DeliberationHarness.Start(FiveReviewers);
        var id = await h.Begin(FiveReviewers.Kind);

        await h.Stance(id, 1, "r1", "approve", 0.9);
        await h.Stance(id, 1, "r2", "deny", 0.9);
        await h.Stance(id, 1, "r3", "approve", 0.6);
        await h.Stance(id, 1, "r4", "deny", 0.9);
        await h.Stance(id, 1, "r5", "approve", 0.6);

        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Decided, "approve", 1), (concluded.Outcome, concluded.Decision, concluded.Round));
        Assert.Equal(0.7, concluded.Confidence!.Value, 6);
    }

    [Fact]
    public async Task Two_two_one_of_five_does_not_reach_three_and_goes_to_another_round()
    {
        var policy = FiveReviewers with { Decisions = [] };
        await using var h = await DeliberationHarness.Start(policy);
        var id = await h.Begin(policy.Kind);

        await h.Stance(id, 1, "r1", "approve");
        await h.Stance(id, 1, "r2", "approve");
        await h.Stance(id, 1, "r3", "deny");
        await h.Stance(id, 1, "r4", "deny");
        await h.Stance(id, 1, "r5", "defer");

        var deliberation = await h.InRound(id, 2);
        Assert.Null(deliberation.Decision);
        Assert.Equal(4, (await h.Requested(id, 2, "r5")).OtherStances.Count);
    }

    [Fact]
    public async Task A_unanimity_threshold_needs_all_three()
    {
        var unanimous = DeliberationHarness.ClaimPolicy with { Threshold = 3 };
        await using var h = await DeliberationHarness.Start(unanimous);
        var id = await h.Begin();

        await h.Stance(id, 1, "policy", "pay");
        await h.Stance(id, 1, "coding", "pay");
        await h.Stance(id, 1, "medical", "deny");
        await h.InRound(id, 2);
        await h.Stance(id, 2, "policy", "pay", 0.9);
        await h.Stance(id, 2, "coding", "pay", 0.8);
        await h.Stance(id, 2, "medical", "pay", 0.7);

        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Decided, "pay", 2), (concluded.Outcome, concluded.Decision, concluded.Round));
        Assert.Equal(0.8, concluded.Confidence!.Value, 6);
    }

    [Fact]
    public async Task Stances_for_another_round_from_strangers_repeated_or_after_the_end_are_recorded_and_ignored()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();
        await h.Stance(id, 1, "policy", "pay");
        await h.Stance(id, 1, "coding", "deny");
        await h.TimeOut(id, 1);
        await h.InRound(id, 2);

        await h.Stance(id, 1, "medical", "pay", reason: "late for round 1");
        await h.Stance(id, 3, "medical", "pay", reason: "ahead of its round");
        await h.Stance(id, 2, "billing", "pay", reason: "not a participant");
        await h.Stance(id, 2, "policy", "deny", reason: "first answer");
        await h.Until(id, d => d.Ignored.Count == 3 && d.CurrentStances.Count == 1, "three ignored, one counted");
        await h.Stance(id, 2, "policy", "pay", reason: "second answer");
        await h.Until(id, d => d.Ignored.Count == 4, "the repeated answer ignored");

        var during = await h.InRound(id, 2);
        Assert.Equal("deny", Assert.Single(during.CurrentStances).Decision);
        Assert.Contains(during.Ignored, i => i.Participant == "medical" && i.Round == 1 && i.Why.Contains("for round 1, the deliberation is in round 2"));
        Assert.Contains(during.Ignored, i => i.Participant == "medical" && i.Round == 3);
        Assert.Contains(during.Ignored, i => i.Participant == "billing" && i.Why.Contains("'billing' is not a participant"));
        Assert.Contains(during.Ignored, i => i.Participant == "policy" && i.Decision == "pay" && i.Why.Contains("already answered round 2"));
        Assert.Single(during.Rounds);

        await h.Stance(id, 2, "coding", "deny");
        await h.Stance(id, 2, "medical", "pay");
        var concluded = await h.Concluded(id);
        Assert.Equal(("deny", 2), (concluded.Decision, concluded.Round));
        await h.Stance(id, 2, "medical", "deny", reason: "too late");
        var ended = await h.Until(id, d => d.Ignored.Count == 5, "the stance after the end ignored");
        Assert.Contains("has ended (Decided)", ended.Ignored[^1].Why);
        Assert.Equal("deny", ended.Decision);
    }

    [Fact]
    public async Task A_timeout_of_a_round_that_is_over_changes_nothing()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();
        await h.Stance(id, 1, "policy", "pay");
        await h.Stance(id, 1, "coding", "deny");
        await h.Stance(id, 1, "medical", "deny", 1.5);
        await h.InRound(id, 2);

        // The scheduler's own stale timeouts carry an old token and MassTransit drops them; one without a token reaches the saga.
        await h.Harness.Bus.Publish(new DeliberationRoundTimedOut { DeliberationId = id, Round = 1 });
        Assert.NotNull(await h.Harness.WaitConsumed<DeliberationRoundTimedOut>(c => c.Context.Message.DeliberationId == id));

        var deliberation = await h.InRound(id, 2);
        Assert.Single(deliberation.Rounds);
        Assert.Empty(deliberation.CurrentStances);
    }

    [Theory]
    [InlineData("pay", 1.5, "a reason", "confidence 1.5 is not between 0 and 1")]
    [InlineData("pay", -0.1, "a reason", "confidence -0.1 is not between 0 and 1")]
    [InlineData(" ", 0.8, "a reason", "no decision")]
    [InlineData("pay", 0.8, "  ", "no reason")]
    [InlineData("maybe", 0.8, "a reason", "'maybe' is not one of pay, deny")]
    public async Task A_malformed_stance_counts_as_no_stance(string decision, double confidence, string reason, string problem)
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();

        await h.Stance(id, 1, "policy", "pay");
        await h.Stance(id, 1, "coding", decision, confidence, reason);
        await h.Stance(id, 1, "medical", "deny");

        // The malformed answer ends the coding agent's turn, but pay has one vote only: another round.
        var deliberation = await h.InRound(id, 2);
        var coding = deliberation.Rounds.Single().Stances.Single(s => s.Participant == "coding");
        Assert.True(coding.Silent);
        Assert.Null(coding.Decision);
        Assert.Contains(problem, coding.Note);
        Assert.False(deliberation.Rounds.Single().TimedOut);
    }

    [Fact]
    public async Task An_unknown_kind_is_refused_with_the_reason_and_nobody_is_asked()
    {
        await using var h = await DeliberationHarness.Start();
        var requester = new Uri("queue:claims-intake");

        var id = await h.Begin("claim-adjudicaton", requester);

        var deliberation = await h.InState(id, h.Machine.Refused);
        var concluded = await h.Concluded(id);
        Assert.Equal((DeliberationOutcomes.Refused, 0, null), (concluded.Outcome, concluded.Round, concluded.Decision));
        Assert.Equal("'claim-adjudicaton' is not a deliberation of the workflow file (known: claim-adjudication)", concluded.Reason);
        Assert.Equal(concluded.Reason, deliberation.Reason);
        Assert.Empty(h.AllRequested(id));
        Assert.NotNull(await h.Harness.WaitSent<DeliberationConcluded>(s => s.Context.Message.DeliberationId == id
            && s.Context.DestinationAddress!.AbsolutePath.EndsWith("/claims-intake", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_requester_is_sent_the_outcome_and_the_participants_tokens_are_counted()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin(requestedBy: new Uri("queue:claims-intake"));

        await h.Stance(id, 1, "policy", "pay", tokens: 100);
        await h.Stance(id, 1, "coding", "pay", tokens: 50);
        await h.Stance(id, 1, "medical", "pay", tokens: 25);
        await h.Stance(id, 1, "medical", "deny", tokens: 5);

        await h.InState(id, h.Machine.Decided);
        var sent = await h.Harness.WaitSent<DeliberationConcluded>(s => s.Context.Message.DeliberationId == id);
        Assert.NotNull(sent);
        Assert.EndsWith("/claims-intake", sent.Context.DestinationAddress!.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("pay", sent.Context.Message.Decision);
        var deliberation = await h.Until(id, d => d.Tokens.InputTokens == 180, "all tokens counted");
        Assert.Single(deliberation.Ignored);
    }

    [Fact]
    public async Task A_deliberation_can_be_looked_up_and_an_unknown_one_is_not_found()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();
        await h.Stance(id, 1, "policy", "pay");
        await h.Until(id, d => d.CurrentStances.Count == 1, "one stance in");
        var client = h.Harness.GetRequestClient<GetDeliberation>();

        var found = await client.GetResponse<DeliberationDetails, DeliberationNotFound>(new GetDeliberation { DeliberationId = id });
        var missing = await client.GetResponse<DeliberationDetails, DeliberationNotFound>(new GetDeliberation { DeliberationId = NewId.NextGuid() });

        Assert.True(found.Is(out Response<DeliberationDetails>? details));
        Assert.Equal(("Deliberating", 1, 2, 5), (details!.Message.Status, details.Message.Round, details.Message.Threshold, details.Message.MaxRounds));
        Assert.Equal(["policy", "coding", "medical"], details.Message.Participants);
        Assert.Equal("pay", Assert.Single(details.Message.CurrentStances).Decision);
        Assert.Equal("CLM-2026-0042", details.Message.Subject.GetProperty("claimId").GetString());
        Assert.True(missing.Is(out Response<DeliberationNotFound>? _));
    }

    private static readonly DeliberationPolicy FiveReviewers = new()
    {
        Kind = "five-reviewers",
        Participants = ["r1", "r2", "r3", "r4", "r5"],
        Threshold = 3,
        MaxRounds = 3,
        RoundTimeout = TimeSpan.FromSeconds(30),
        Decisions = ["approve", "deny"],
    };
}

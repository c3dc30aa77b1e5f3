using ParticipantNames = Agents.Contracts.Participants;
using System.Text.Json;
using Agents.Brains.Tests.Support;
using Agents.Coding.Brain;
using Agents.Contracts;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Medical.Brain;
using Agents.Policy.Brain;

namespace Agents.Brains.Tests.Participants;

/// <summary>The sample claims of <c>deploy/samples/claims</c> deliberated by the three rule brains, round by round.</summary>
public sealed class ClaimDeliberationTests
{
    private const string Folder = "deploy/samples/claims";

    public sealed record Expected(string File, string ClaimId, string Outcome, string? Decision, int Round);

    private static IReadOnlyList<Expected> ExpectedOutcomes() =>
        JsonSerializer.Deserialize<List<Expected>>(File.ReadAllText(RepositoryRoot.File($"{Folder}/expected.json")), JsonSerializerOptions.Web)!;

    public static TheoryData<string> Files => new(ExpectedOutcomes().Select(e => e.File));

    private static IReadOnlyList<RoundDriver.Participant> ClaimParticipants() =>
    [
        new(ParticipantNames.Policy, new RuleBasedPolicyBrain()),
        new(ParticipantNames.Coding, new RuleBasedCodingBrain()),
        new(ParticipantNames.Medical, new RuleBasedMedicalBrain()),
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Each_sample_claim_ends_as_expected_json_says(string file)
    {
        var expected = ExpectedOutcomes().Single(e => e.File == file);
        var subject = ClaimCases.Parse(File.ReadAllText(RepositoryRoot.File($"{Folder}/{file}")));

        var result = await RoundDriver.Run(ClaimAdjudication.Kind, subject, [ClaimAdjudication.Pay, ClaimAdjudication.Deny], 5, ClaimParticipants());

        Assert.True(expected.Outcome == result.Outcome && expected.Decision == result.Decision && expected.Round == result.Round,
            $"{file}: expected {expected.Outcome}/{expected.Decision}/round {expected.Round}, got {result.Outcome}/{result.Decision}/round {result.Round}"
            + Environment.NewLine + result.Transcript);
        Assert.All(result.Rounds.SelectMany(r => r), s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
    }

    [Fact]
    public void The_samples_are_claims_with_unique_ids_matching_expected_json_and_cover_every_kind_of_ending()
    {
        var expected = ExpectedOutcomes();
        var files = Directory.GetFiles(RepositoryRoot.File(Folder), "*.json").Select(Path.GetFileName).Where(f => f != "expected.json").Order();

        Assert.Equal(files, expected.Select(e => e.File).Order());
        foreach (var entry in expected)
        {
            var claim = JsonSerializer.Deserialize<Claim>(File.ReadAllText(RepositoryRoot.File($"{Folder}/{entry.File}")), JsonSerializerOptions.Web)!;
            Assert.Equal(entry.ClaimId, claim.ClaimId);
            Assert.Equal(entry.Decision is null, entry.Outcome == DeliberationOutcomes.NoConsensus);
        }

        Assert.Equal(expected.Count, expected.Select(e => e.ClaimId).Distinct().Count());
        Assert.Contains(expected, e => e is { Outcome: DeliberationOutcomes.Decided, Decision: ClaimAdjudication.Pay, Round: 1 });
        Assert.Contains(expected, e => e is { Outcome: DeliberationOutcomes.Decided, Decision: ClaimAdjudication.Deny, Round: 1 });
        Assert.Contains(expected, e => e is { Outcome: DeliberationOutcomes.Decided, Round: > 1 });
        Assert.Contains(expected, e => e is { Outcome: DeliberationOutcomes.NoConsensus, Round: 5 });
    }

    [Theory]
    [InlineData("clm-1003-mri-headache-no-authorization.json", ParticipantNames.Medical, Stance.Undecided, ClaimAdjudication.Pay)]
    [InlineData("clm-1003-mri-headache-no-authorization.json", ParticipantNames.Policy, Stance.Undecided, ClaimAdjudication.Pay)]
    [InlineData("clm-1004-arthroscopy-miscoded.json", ParticipantNames.Medical, ClaimAdjudication.Pay, ClaimAdjudication.Deny)]
    [InlineData("clm-1004-arthroscopy-miscoded.json", ParticipantNames.Policy, Stance.Undecided, ClaimAdjudication.Deny)]
    [InlineData("clm-1006-mri-secondary-diagnosis.json", ParticipantNames.Coding, Stance.Undecided, ClaimAdjudication.Pay)]
    [InlineData("clm-1006-mri-secondary-diagnosis.json", ParticipantNames.Policy, Stance.Undecided, ClaimAdjudication.Pay)]
    public async Task In_round_2_a_participant_changes_its_mind_on_the_others_reasons(string file, string participant, string first, string second)
    {
        var subject = ClaimCases.Parse(File.ReadAllText(RepositoryRoot.File($"{Folder}/{file}")));

        var result = await RoundDriver.Run(ClaimAdjudication.Kind, subject, [ClaimAdjudication.Pay, ClaimAdjudication.Deny], 5, ClaimParticipants());

        string? Decision(int round) => result.Rounds[round - 1].Single(s => s.Participant == participant).Decision;
        Assert.Equal(first, Decision(1));
        Assert.Equal(second, Decision(2));
    }

    [Fact]
    public async Task The_injected_clinical_notes_of_the_sample_change_nothing()
    {
        var text = File.ReadAllText(RepositoryRoot.File($"{Folder}/clm-1002-knee-replacement-for-cold.json"));
        var claim = JsonSerializer.Deserialize<Claim>(text, JsonSerializerOptions.Web)!;
        Assert.Contains("ignore all previous instructions", claim.ClinicalNotes, StringComparison.OrdinalIgnoreCase);

        var injected = await RoundDriver.Run(ClaimAdjudication.Kind, ClaimCases.Json(claim), [ClaimAdjudication.Pay, ClaimAdjudication.Deny], 5, ClaimParticipants());
        var plain = await RoundDriver.Run(ClaimAdjudication.Kind, ClaimCases.Json(claim with { ClinicalNotes = null }), [ClaimAdjudication.Pay, ClaimAdjudication.Deny], 5, ClaimParticipants());

        Assert.Equal((plain.Outcome, plain.Decision, plain.Round), (injected.Outcome, injected.Decision, injected.Round));
        Assert.Equal(plain.Transcript, injected.Transcript);
    }
}

using ParticipantNames = Agents.Contracts.Participants;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;
using static Agents.Brains.Tests.Participants.ClaimCases;

namespace Agents.Brains.Tests.Participants;

/// <summary>What the three claim participants share: a failure for a subject that is not a claim.</summary>
public sealed class ClaimSubjectTests
{
    public static TheoryData<string> NotClaims => new()
    {
        "\"pay this claim\"",
        "[1, 2, 3]",
        "null",
        """{"claimId": "CLM-1"}""",
        """{"claimId": "CLM-1", "memberId": "M", "plan": "gold", "procedureCode": "70553", "diagnosisCodes": null, "amount": 1, "serviceDate": "2026-11-20"}""",
        """{"claimId": "CLM-1", "memberId": "M", "plan": "gold", "procedureCode": "70553", "diagnosisCodes": ["G43.909"], "amount": "a lot", "serviceDate": "2026-11-20"}""",
        """{"claimId": "", "memberId": "M", "plan": "gold", "procedureCode": "70553", "diagnosisCodes": ["G43.909"], "amount": 1, "serviceDate": "2026-11-20"}""",
        """{"incidentId": "6f1c1d2e-0000-4000-8000-000000000001", "service": "auth-service", "severity": "high"}""",
    };

    private static IEnumerable<(string Name, IAgentBrain<StanceRequested, StanceDecision> Brain)> Brains() =>
    [
        (ParticipantNames.Policy, new Agents.Policy.Brain.RuleBasedPolicyBrain()),
        (ParticipantNames.Coding, new Agents.Coding.Brain.RuleBasedCodingBrain()),
        (ParticipantNames.Medical, new Agents.Medical.Brain.RuleBasedMedicalBrain()),
    ];

    [Theory]
    [MemberData(nameof(NotClaims))]
    public async Task A_subject_that_is_not_a_claim_is_a_failure_with_the_reason(string json)
    {
        foreach (var (name, brain) in Brains())
        {
            var outcome = await brain.DecideAsync(Request(Parse(json), name), default);

            Assert.Null(outcome.Result);
            Assert.StartsWith("the subject is not a claim: ", outcome.FailureReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_absent_subject_is_a_failure_too()
    {
        foreach (var (name, brain) in Brains())
        {
            var outcome = await brain.DecideAsync(Request(default(JsonElement), name), default);

            Assert.Equal("the subject is not a claim: expected a JSON object, got Undefined", outcome.FailureReason);
        }
    }
}

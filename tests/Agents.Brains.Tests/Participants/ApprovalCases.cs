using ParticipantNames = Agents.Contracts.Participants;
using Agents.Brains.Tests.Support;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Reviewers.Brain;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Participants;

/// <summary>Approval subjects, requests and reviewers for the reviewer tests.</summary>
public static class ApprovalCases
{
    public static RemediationApprovalSubject Subject(Hypothesis? hypothesis = null, string severity = "high", string service = Samples.Service) => new()
    {
        IncidentId = Samples.IncidentId,
        Service = service,
        Severity = severity,
        ErrorType = "error-rate",
        AlertSummary = "auth-service 5xx error rate is 23%",
        Hypothesis = hypothesis ?? Samples.Regression(),
    };

    public static Hypothesis Unknown() => new()
    {
        Category = "unknown",
        Summary = "Nothing in the context explains the alert",
        Confidence = 0.2,
        ErrorsObserved = true,
        Evidence = [new Evidence { Kind = "alert", Description = "auth-service 5xx error rate is 23%", ObservedAt = Samples.AlertTime }],
    };

    public static StanceRequested Request(object subject, string participant, params Stance[] others) => new()
    {
        DeliberationId = Samples.IncidentId,
        Round = others.Length == 0 ? 1 : 2,
        Participant = participant,
        Kind = RemediationApproval.Kind,
        Subject = ClaimCases.Json(subject),
        Summary = "approve remediation",
        Decisions = [RemediationApproval.Approve, RemediationApproval.Deny],
        OtherStances = others,
    };

    public static Stance Safety(string decision, string reason) => ClaimCases.StanceOf(ParticipantNames.Safety, decision, reason);

    public static Stance SafetyConfirmed => Safety(RemediationApproval.Approve, "safety confirmed: rolling auth-service back from v7.4.2 to v7.4.1 is reversible");

    public static Stance SafetyConcern => Safety(RemediationApproval.Deny, "safety concern: the root cause is unknown");

    public static ReviewersOptions Options(string[]? frozen = null, string[]? critical = null) => new()
    {
        FrozenServices = [.. frozen ?? []],
        CriticalServices = [.. critical ?? []],
    };

    public static IReadOnlyList<RoundDriver.Participant> ReviewerBrains(ReviewersOptions options) =>
    [
        new(ParticipantNames.Safety, new RuleBasedSafetyBrain()),
        new(ParticipantNames.ChangePolicy, new RuleBasedChangePolicyBrain(Microsoft.Extensions.Options.Options.Create(options))),
        new(ParticipantNames.BlastRadius, new RuleBasedBlastRadiusBrain(Microsoft.Extensions.Options.Options.Create(options))),
    ];
}

using System.Globalization;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;

namespace Agents.Reviewers.Brain;

/// <summary>
/// The safety reviewer by fixed rules, judging the hypothesis alone (the other reviewers defer to its finding, so it
/// does not follow theirs). First match wins:
/// <list type="number">
/// <item>category unknown, confidence below <see cref="MinimumConfidence"/>, or no evidence: <b>deny</b>
/// (<see cref="ReviewFindings.SafetyConcern"/>);</item>
/// <item>a regression: <b>approve</b> (<see cref="ReviewFindings.SafetyConfirmed"/>) when errors were observed and both
/// the suspect and a different last good version are known (a rollback is reversible and has a target); else
/// <b>deny</b>;</item>
/// <item>capacity: <b>approve</b> (adding capacity is reversible);</item>
/// <item>any other category: <b>deny</b>.</item>
/// </list>
/// </summary>
public sealed class RuleBasedSafetyBrain : IParticipantBrain<SafetyParticipant>
{
    /// <summary>Below this hypothesis confidence, acting unattended is a guess.</summary>
    public const double MinimumConfidence = 0.5;

    public string Kind => "rules";

    public Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken) =>
        ParticipantRules.Judge(ApprovalSubject.Read(request.Subject), request, (subject, _) => Decide(subject));

    public static StanceDecision Decide(RemediationApprovalSubject subject)
    {
        var hypothesis = subject.Hypothesis;
        var category = hypothesis.Category.Trim().ToLowerInvariant();
        if (category == "unknown")
        {
            return Concern("the root cause is unknown, so no remediation is known to fit");
        }

        if (hypothesis.Confidence < MinimumConfidence)
        {
            return Concern($"hypothesis confidence {Number(hypothesis.Confidence)} is below {Number(MinimumConfidence)}");
        }

        if (hypothesis.Evidence.Count == 0)
        {
            return Concern("the hypothesis cites no evidence");
        }

        switch (category)
        {
            case "regression" when !hypothesis.ErrorsObserved:
                return Concern("no errors were observed, so a rollback would fix nothing visible");
            case "regression" when string.IsNullOrWhiteSpace(hypothesis.SuspectVersion) || string.IsNullOrWhiteSpace(hypothesis.LastGoodVersion)
                || string.Equals(hypothesis.SuspectVersion.Trim(), hypothesis.LastGoodVersion.Trim(), StringComparison.OrdinalIgnoreCase):
                return Concern("the rollback has no known good version distinct from the suspect one");
            case "regression":
                return new(RemediationApproval.Approve, $"{ReviewFindings.SafetyConfirmed}: rolling {subject.Service} back from "
                    + $"{hypothesis.SuspectVersion} to {hypothesis.LastGoodVersion} is reversible, with {hypothesis.Evidence.Count} evidence item(s) "
                    + $"and confidence {Number(hypothesis.Confidence)}", 0.85);
            case "capacity":
                return new(RemediationApproval.Approve, $"{ReviewFindings.SafetyConfirmed}: adding capacity to {subject.Service} is reversible, "
                    + $"with {hypothesis.Evidence.Count} evidence item(s)", 0.8);
            default:
                return Concern($"the category '{hypothesis.Category}' is not one remediation knows");
        }
    }

    private static StanceDecision Concern(string why) => new(RemediationApproval.Deny, $"{ReviewFindings.SafetyConcern}: {why}", 0.85);

    private static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}

using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;
using Microsoft.Extensions.Options;

namespace Agents.Reviewers.Brain;

/// <summary>
/// The change-policy reviewer by fixed rules, over <see cref="ReviewersOptions.FrozenServices"/>:
/// <list type="number">
/// <item>a service not frozen: <b>approve</b> (<see cref="ReviewFindings.ChangeAllowed"/>);</item>
/// <item>a frozen service and a critical incident (the emergency exception): it changes its mind on safety's finding of
/// the round before: <b>approve</b> when safety confirmed, <b>deny</b> when safety has a concern, else
/// <b>undecided</b> (always so in round 1);</item>
/// <item>a frozen service and any other severity: <b>deny</b> (<see cref="ReviewFindings.ChangeFreeze"/>).</item>
/// </list>
/// </summary>
public sealed class RuleBasedChangePolicyBrain(IOptions<ReviewersOptions> options) : IParticipantBrain<ChangePolicyParticipant>
{
    public string Kind => "rules";

    public Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken) =>
        ParticipantRules.Judge(ApprovalSubject.Read(request.Subject), request, (subject, others) => Decide(subject, others, options.Value));

    public static StanceDecision Decide(RemediationApprovalSubject subject, IReadOnlyList<Stance> others, ReviewersOptions options)
    {
        var service = subject.Service;
        if (!options.IsFrozen(service))
        {
            return new(RemediationApproval.Approve, $"{ReviewFindings.ChangeAllowed}: {service} is not under a change freeze", 0.9);
        }

        if (!string.Equals(subject.Severity, Severities.Critical, StringComparison.OrdinalIgnoreCase))
        {
            return new(RemediationApproval.Deny, $"{ReviewFindings.ChangeFreeze}: {service} is frozen, and a {subject.Severity} incident "
                + "does not qualify for the emergency exception", 0.9);
        }

        return ReviewFindings.Safety(others) switch
        {
            { Decision: var d } safety when string.Equals(d, RemediationApproval.Approve, StringComparison.OrdinalIgnoreCase) =>
                new(RemediationApproval.Approve, $"{ReviewFindings.ChangeAllowed}: {service} is frozen, but this critical incident qualifies "
                    + $"for the emergency exception since {safety.Participant} found the remediation safe", 0.75),
            { } safety => new(RemediationApproval.Deny, $"{ReviewFindings.ChangeFreeze}: {service} is frozen, and the emergency exception "
                + $"does not apply since {safety.Participant} found the remediation unsafe", 0.85),
            null => new(Stance.Undecided, $"{service} is frozen: this critical incident may qualify for the emergency exception once "
                + "the safety reviewer has judged the remediation", 0.4),
        };
    }
}

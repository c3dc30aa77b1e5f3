using System.Globalization;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;
using Microsoft.Extensions.Options;

namespace Agents.Reviewers.Brain;

/// <summary>
/// The blast-radius reviewer by fixed rules: the more critical the service (<see cref="ReviewersOptions.CriticalServices"/>)
/// the surer the hypothesis must be before acting on it unattended.
/// <list type="number">
/// <item>confidence at or above the bar (<see cref="ReviewersOptions.CriticalConfidence"/> for a critical service,
/// <see cref="ReviewersOptions.Confidence"/> for others): <b>approve</b> (<see cref="ReviewFindings.BlastRadiusContained"/>);</item>
/// <item>a critical service below <see cref="ReviewersOptions.CriticalMinimumConfidence"/>: <b>deny</b>
/// (<see cref="ReviewFindings.BlastRadiusTooWide"/>);</item>
/// <item>otherwise it changes its mind on safety's finding of the round before: <b>approve</b> when safety confirmed,
/// <b>deny</b> when safety has a concern, else <b>undecided</b> (always so in round 1).</item>
/// </list>
/// </summary>
public sealed class RuleBasedBlastRadiusBrain(IOptions<ReviewersOptions> options) : IParticipantBrain<BlastRadiusParticipant>
{
    public string Kind => "rules";

    public Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken) =>
        ParticipantRules.Judge(ApprovalSubject.Read(request.Subject), request, (subject, others) => Decide(subject, others, options.Value));

    public static StanceDecision Decide(RemediationApprovalSubject subject, IReadOnlyList<Stance> others, ReviewersOptions options)
    {
        var service = subject.Service;
        var confidence = subject.Hypothesis.Confidence;
        var critical = options.IsCritical(service);
        var kind = critical ? "a critical service" : "not a critical service";
        var bar = critical ? options.CriticalConfidence : options.Confidence;
        if (confidence >= bar)
        {
            return new(RemediationApproval.Approve, $"{ReviewFindings.BlastRadiusContained}: {service} is {kind} and the hypothesis "
                + $"confidence {Number(confidence)} meets {Number(bar)}", 0.8);
        }

        if (critical && confidence < options.CriticalMinimumConfidence)
        {
            return new(RemediationApproval.Deny, $"{ReviewFindings.BlastRadiusTooWide}: {service} is a critical service and the hypothesis "
                + $"confidence {Number(confidence)} is below {Number(options.CriticalMinimumConfidence)}", 0.85);
        }

        return ReviewFindings.Safety(others) switch
        {
            { Decision: var d } safety when string.Equals(d, RemediationApproval.Approve, StringComparison.OrdinalIgnoreCase) =>
                new(RemediationApproval.Approve, $"{ReviewFindings.BlastRadiusContained}: {service} is {kind}, confidence {Number(confidence)} "
                    + $"is below {Number(bar)}, but {safety.Participant} found the remediation reversible", 0.65),
            { } safety => new(RemediationApproval.Deny, $"{ReviewFindings.BlastRadiusTooWide}: {service} is {kind}, confidence "
                + $"{Number(confidence)} is below {Number(bar)}, and {safety.Participant} found the remediation unsafe", 0.8),
            null => new(Stance.Undecided, $"{service} is {kind} and confidence {Number(confidence)} is below {Number(bar)}: "
                + "waiting for the safety reviewer's judgement", 0.4),
        };
    }

    private static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}

using Agents.Contracts;

namespace Agents.Orchestrator.Workflows;

/// <summary>The validated policies of the incident-response workflow.</summary>
public sealed record IncidentWorkflow
{
    public required string Name { get; init; }

    public required IReadOnlySet<string> ShortCircuitSeverities { get; init; }

    public required double MinimumConfidence { get; init; }

    public required IReadOnlyDictionary<string, StepPolicy> Steps { get; init; }

    /// <summary>
    /// The approval gate before remediation (<c>approval:</c>, the policy of a deliberation of the workflow file), or null
    /// when remediation runs without one (the default).
    /// </summary>
    public DeliberationPolicy? Approval { get; init; }

    /// <summary>
    /// What the approval step's timeout adds to the longest a deliberation can take (every round running to its timeout):
    /// time for the conclusion to arrive. The timeout is a backstop for a deliberation that never concludes.
    /// </summary>
    public static readonly TimeSpan ApprovalTimeoutMargin = TimeSpan.FromSeconds(30);

    /// <summary>How long an incident waits for the approval deliberation: maxRounds × roundTimeout + <see cref="ApprovalTimeoutMargin"/>.</summary>
    public static TimeSpan ApprovalTimeout(DeliberationPolicy policy) => policy.RoundTimeout * policy.MaxRounds + ApprovalTimeoutMargin;

    /// <summary>The policy of <paramref name="step"/>; for the approval step (when the gate is on) one attempt with <see cref="ApprovalTimeout"/>.</summary>
    public StepPolicy Step(string step)
    {
        if (step == IncidentSteps.Approval && Approval is { } approval)
        {
            return new StepPolicy(ApprovalTimeout(approval), 1);
        }

        return Steps.TryGetValue(step, out var policy)
            ? policy
            : throw new InvalidOperationException($"The workflow '{Name}' has no policy for step '{step}'.");
    }

    /// <summary>The defaults that <c>deploy/workflows.yaml</c> also states.</summary>
    public static IncidentWorkflow Default { get; } = new()
    {
        Name = "incident-response",
        ShortCircuitSeverities = new HashSet<string> { Severities.Low },
        MinimumConfidence = 0.5,
        Steps = new Dictionary<string, StepPolicy>
        {
            [IncidentSteps.Triage] = new(TimeSpan.FromSeconds(30), 2),
            [IncidentSteps.Context] = new(TimeSpan.FromSeconds(30), 2),
            [IncidentSteps.Investigation] = new(TimeSpan.FromSeconds(60), 2),
            [IncidentSteps.Remediation] = new(TimeSpan.FromSeconds(60), 1),
            [IncidentSteps.Notification] = new(TimeSpan.FromSeconds(30), 3),
        },
    };
}

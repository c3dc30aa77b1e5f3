using Agents.Contracts;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// One validated workflow: its steps in order (<see cref="Sequence"/>), each step's policy, and the built-in steps'
/// settings (short-circuit severities, minimum confidence, the approval gate before remediation). An incident keeps a
/// copy of the workflow it started with, so that a changed file never changes an incident in flight.
/// </summary>
public sealed record IncidentWorkflow
{
    public required string Name { get; init; }

    /// <summary>The steps in the order they run: triage first, notification last, built-in and plug-in steps between.</summary>
    public IReadOnlyList<WorkflowStep> Sequence { get; init; } = DefaultSequence;

    /// <summary>The five built-in steps in their order: the full incident response.</summary>
    public static IReadOnlyList<WorkflowStep> DefaultSequence { get; } = IncidentSteps.Agents.Select(name => new WorkflowStep { Name = name }).ToArray();

    /// <summary>
    /// The human approval gate before remediation (<c>approval: human</c>): how long the incident waits for an operator's
    /// decision before it escalates. Null: no human gate (see <see cref="Approval"/> for the reviewers' gate).
    /// </summary>
    public TimeSpan? HumanApprovalTimeout { get; init; }

    /// <summary>The default wait for a human's approval (<c>approvalTimeout:</c> left out).</summary>
    public static readonly TimeSpan DefaultHumanApprovalTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The step named <paramref name="step"/> of <see cref="Sequence"/>, or null when the workflow has no such step.</summary>
    public WorkflowStep? Find(string step) => Sequence.FirstOrDefault(s => s.Name == step);

    /// <summary>The steps after <paramref name="step"/>, in order (all of them for a step the workflow does not have).</summary>
    public IEnumerable<WorkflowStep> After(string step)
    {
        var index = Sequence.ToList().FindIndex(s => s.Name == step);
        return index < 0 ? [] : Sequence.Skip(index + 1);
    }

    public required IReadOnlyCollection<string> ShortCircuitSeverities { get; init; }

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

    /// <summary>
    /// The policy of <paramref name="step"/>; for the approval step one attempt with <see cref="ApprovalTimeout"/> (the
    /// reviewers' gate) or <see cref="HumanApprovalTimeout"/> (a human's).
    /// </summary>
    public StepPolicy Step(string step)
    {
        if (step == IncidentSteps.Approval && Approval is { } approval)
        {
            return new StepPolicy(ApprovalTimeout(approval), 1);
        }

        if (step == IncidentSteps.Approval && HumanApprovalTimeout is { } wait)
        {
            return new StepPolicy(wait, 1);
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

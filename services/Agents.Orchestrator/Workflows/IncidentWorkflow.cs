using Agents.Contracts;

namespace Agents.Orchestrator.Workflows;

/// <summary>The validated policies of the incident-response workflow.</summary>
public sealed record IncidentWorkflow
{
    public required string Name { get; init; }

    public required IReadOnlySet<string> ShortCircuitSeverities { get; init; }

    public required double MinimumConfidence { get; init; }

    public required IReadOnlyDictionary<string, StepPolicy> Steps { get; init; }

    public StepPolicy Step(string step) =>
        Steps.TryGetValue(step, out var policy)
            ? policy
            : throw new InvalidOperationException($"The workflow '{Name}' has no policy for step '{step}'.");

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

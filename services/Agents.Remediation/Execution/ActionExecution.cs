using Agents.Hosting.Catalog;
using Agents.Remediation.Runbooks;

namespace Agents.Remediation.Execution;

/// <summary>What an action acts on: the incident's service and, from the service catalog, where it runs in Kubernetes.</summary>
public sealed record ActionTarget(string Service, KubernetesTarget? Kubernetes);

/// <summary>The outcome of one executor step. <see cref="Summary"/> is one line a human reads, never holding a secret.</summary>
public sealed record StepResult(bool Succeeded, string Summary)
{
    public static StepResult Success(string summary) => new(true, summary);

    public static StepResult Failure(string summary) => new(false, summary);
}

/// <summary>Runs the executor steps of one kind (<see cref="ExecutorStep.Kind"/>) against real systems.</summary>
public interface IActionExecutor
{
    /// <summary>The <see cref="ExecutorStep.Kind"/> it runs.</summary>
    string Kind { get; }

    /// <summary>
    /// Runs <paramref name="step"/> with the action's validated <paramref name="parameters"/> on <paramref name="target"/>.
    /// A failure of the system acted on is a failed <see cref="StepResult"/>; only cancellation throws.
    /// </summary>
    Task<StepResult> RunAsync(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target, CancellationToken ct);

    /// <summary>What the step acts on, in words (for the ledger and the approval request).</summary>
    string DescribeTarget(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target);

    /// <summary>Why the step may not act on <paramref name="target"/> at all, or null.</summary>
    string? ValidateTarget(ExecutorStep step, ActionTarget target);
}

using Agents.Remediation.Runbooks;

namespace Agents.Remediation.Execution;

/// <summary>
/// The executors by kind: runs one executor step of an action (<see cref="RunbookAction.Run"/>), says what it acts on,
/// and refuses a target or parameters it may not use. The caller claims each step in the ledger before running it.
/// </summary>
public sealed class ActionExecutors
{
    private readonly Dictionary<string, IActionExecutor> _byKind;

    public ActionExecutors(IEnumerable<IActionExecutor> executors)
    {
        ArgumentNullException.ThrowIfNull(executors);
        _byKind = executors.ToDictionary(e => e.Kind, StringComparer.Ordinal);
    }

    /// <summary>
    /// Every problem of <paramref name="parameters"/> for <paramref name="action"/> (names DNS-1123, versions without
    /// whitespace or shell characters, integers within bounds, no undeclared or missing parameter), or null.
    /// </summary>
    public static string? ParameterProblems(RunbookAction action, IReadOnlyDictionary<string, string> parameters) =>
        ParameterRules.Problems(action, parameters);

    /// <summary>
    /// Runs <paramref name="step"/>. Refuses (a failed result, nothing done) when the parameters a step uses are not
    /// all given or no executor runs its kind; else the executor's result. Only cancellation throws.
    /// </summary>
    public async Task<StepResult> RunAsync(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!_byKind.TryGetValue(step.Kind, out var executor))
        {
            return StepResult.Failure($"refused: no {step.Kind} executor is available");
        }

        var missing = step.Templates.SelectMany(RunbookCatalog.RunPlaceholders).Where(p => !parameters.ContainsKey(p)).Distinct().ToList();
        if (missing.Count > 0)
        {
            return StepResult.Failure($"refused: the step needs the parameters {string.Join(", ", missing)}");
        }

        return await executor.RunAsync(step, parameters, target, ct);
    }

    /// <summary>What <paramref name="step"/> acts on, in words (<c>deployment/orders in prod</c>, <c>redis: keys matching orders:cache:*</c>).</summary>
    public string DescribeTarget(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target)
    {
        ArgumentNullException.ThrowIfNull(step);
        return _byKind.TryGetValue(step.Kind, out var executor) ? executor.DescribeTarget(step, parameters, target) : step.Kind;
    }

    /// <summary>
    /// Why <paramref name="action"/> cannot be executed on <paramref name="target"/> (no <c>run:</c> steps, no executor, a
    /// target outside what the executors may touch, a missing secret or connection), every reason joined; null when it can.
    /// </summary>
    public string? ValidateTarget(RunbookAction action, ActionTarget target)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!action.IsExecutable)
        {
            return $"{action.Id} has no executor steps (run:) in the runbook catalog; only a human can carry it out";
        }

        var problems = new List<string>();
        foreach (var step in action.Run)
        {
            if (!_byKind.TryGetValue(step.Kind, out var executor))
            {
                problems.Add($"no {step.Kind} executor is available");
            }
            else if (executor.ValidateTarget(step, target) is { } problem)
            {
                problems.Add(problem);
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems.Distinct(StringComparer.Ordinal));
    }
}

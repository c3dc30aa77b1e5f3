namespace Agents.Remediation.Runbooks;

/// <summary>One action of the runbook catalog, validated.</summary>
public sealed record RunbookAction
{
    public required string Id { get; init; }

    public required string Description { get; init; }

    /// <summary>The hypothesis categories the action may be used for.</summary>
    public required IReadOnlySet<string> AppliesTo { get; init; }

    public required IReadOnlyDictionary<string, RunbookParameter> Parameters { get; init; }

    /// <summary>Step templates; <c>{name}</c> stands for a parameter's value.</summary>
    public required IReadOnlyList<string> Steps { get; init; }

    /// <summary>
    /// The executor steps (<c>run:</c>), each one action step claimed separately. Empty: the action cannot be
    /// executed, only dry-run or done by a human.
    /// </summary>
    public IReadOnlyList<ExecutorStep> Run { get; init; } = [];

    /// <summary>Whether an executor can carry the action out.</summary>
    public bool IsExecutable => Run.Count > 0;
}

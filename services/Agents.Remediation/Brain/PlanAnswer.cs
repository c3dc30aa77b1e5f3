using Agents.Remediation.Runbooks;

namespace Agents.Remediation.Brain;

/// <summary>
/// A remediation plan as the model answers it: the same as a <see cref="RemediationPlan"/>, but with the parameters as a
/// list of name/value pairs, since strict structured output admits no open map.
/// </summary>
public sealed record PlanAnswer
{
    public required string ActionId { get; init; }

    public required IReadOnlyList<PlanParameter> Parameters { get; init; }

    public required string Rationale { get; init; }

    /// <summary>Why the answer cannot be a plan (a parameter named twice), or null.</summary>
    public string? Problem() =>
        Parameters.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? $"parameter '{twice.Key}' is given {twice.Count()} times"
            : null;

    /// <summary>The plan the rest of the system reads; the names must be distinct (<see cref="Problem"/>).</summary>
    public RemediationPlan ToPlan() => new()
    {
        ActionId = ActionId,
        Parameters = Parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
        Rationale = Rationale,
    };
}

/// <summary>One parameter of a <see cref="PlanAnswer"/>: its name in the catalog action and its value, as text.</summary>
public sealed record PlanParameter(string Name, string Value);

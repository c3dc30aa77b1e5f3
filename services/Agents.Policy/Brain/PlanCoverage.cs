namespace Agents.Policy.Brain;

/// <summary>What one plan covers: the most it pays per claim, whether it covers out-of-network care, the procedures it excludes.</summary>
public sealed record PlanCoverage(string Plan, decimal LimitPerClaim, bool OutOfNetwork, IReadOnlyList<string> Excluded)
{
    /// <summary>The plans the policy participant knows.</summary>
    public static IReadOnlyDictionary<string, PlanCoverage> Plans { get; } = new Dictionary<string, PlanCoverage>(StringComparer.OrdinalIgnoreCase)
    {
        ["gold"] = new("gold", 25_000m, OutOfNetwork: true, []),
        ["silver"] = new("silver", 10_000m, OutOfNetwork: false, []),
        ["bronze"] = new("bronze", 2_500m, OutOfNetwork: false, ["27447", "29881"]),
    };

    /// <summary>Procedures that need the payer's authorization before they are done: advanced imaging and surgery.</summary>
    public static IReadOnlySet<string> PriorAuthorizationRequired { get; } = new HashSet<string>(StringComparer.Ordinal) { "70553", "27447", "29881" };
}

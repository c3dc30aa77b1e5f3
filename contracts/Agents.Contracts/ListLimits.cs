namespace Agents.Contracts;

/// <summary>How many items one list request (<c>ListIncidents</c>, <c>ListDeliberations</c>) may ask for: the API refuses more, the orchestrator never answers more.</summary>
public static class ListLimits
{
    public const int Max = 500;

    /// <summary><paramref name="limit"/> brought into 1..<see cref="Max"/>.</summary>
    public static int Clamp(int limit) => Math.Clamp(limit, 1, Max);
}

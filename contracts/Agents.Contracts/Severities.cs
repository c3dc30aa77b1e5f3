namespace Agents.Contracts;

/// <summary>The classified severities, most severe first.</summary>
public static class Severities
{
    public const string Critical = "critical";
    public const string High = "high";
    public const string Medium = "medium";
    public const string Low = "low";

    public static IReadOnlyList<string> All { get; } = [Critical, High, Medium, Low];

    public static bool IsKnown(string? severity) => severity is not null && All.Contains(severity);
}

namespace Agents.Contracts.Investigation;

/// <summary>What a hypothesis may blame (<see cref="Hypothesis.Category"/>).</summary>
public static class HypothesisCategories
{
    /// <summary>A deploy of the service introduced the fault.</summary>
    public const string Regression = "regression";

    /// <summary>The service runs out of CPU, memory, connections or similar, with no deploy to blame.</summary>
    public const string Capacity = "capacity";

    /// <summary>A service this one depends on degraded first.</summary>
    public const string Dependency = "dependency";

    /// <summary>A similar past incident of the service was resolved by a runbook action.</summary>
    public const string KnownIssue = "known-issue";

    /// <summary>A configuration change (usually shipped by a deploy) broke the service: its logs or pod events report configuration errors.</summary>
    public const string BadConfig = "bad-config";

    /// <summary>A TLS certificate expired or is not trusted: the logs report certificate errors, or the alert reads a certificate's expiry.</summary>
    public const string Certificate = "certificate";

    /// <summary>A disk or volume filled up: the logs report no space left, or the alert reads a filling file system.</summary>
    public const string Disk = "disk";

    /// <summary>Nothing measured explains it; a human should look.</summary>
    public const string Unknown = "unknown";

    public static IReadOnlyList<string> All { get; } = [Regression, Capacity, Dependency, KnownIssue, BadConfig, Certificate, Disk, Unknown];
}

using System.ComponentModel.DataAnnotations;

namespace Agents.Investigation.Brain;

/// <summary>Configuration section <c>Investigation</c>.</summary>
public sealed class InvestigationOptions
{
    public const string SectionName = "Investigation";

    /// <summary>
    /// How long before the alert a deploy of the service is still suspected of causing it when no telemetry measured the
    /// service (only the alert's own readings and the deploy timing are known). Default 2 hours; 1 minute to 1 day.
    /// Deploys older than the context window are not seen at all, whatever this says.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan RegressionWindow { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// With measured telemetry: how long after a deploy a step up of the service's error ratio or latency is still
    /// blamed on it (a step that started before the deploy never is). Default 30 minutes; 1 minute to 6 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "06:00:00")]
    public TimeSpan RegressionLag { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A past incident at least this similar (0..1), resolved by a runbook action, makes a known issue. Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public double KnownIssueSimilarity { get; set; } = 0.5;

    /// <summary>
    /// The model brain's input budget, in tokens (estimated as 4 characters each): a context larger than what is left
    /// after the instructions and the triage is cut the way the context agent cuts it (points, then the least
    /// frequent patterns, events and past incidents; never the findings) before it is sent. Default 8000.
    /// </summary>
    [Range(1000, 1_000_000)]
    public int MaxInputTokens { get; set; } = 8000;
}

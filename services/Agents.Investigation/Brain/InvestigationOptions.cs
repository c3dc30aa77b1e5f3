using System.ComponentModel.DataAnnotations;

namespace Agents.Investigation.Brain;

/// <summary>Configuration section <c>Investigation</c>.</summary>
public sealed class InvestigationOptions
{
    public const string SectionName = "Investigation";

    /// <summary>
    /// How long before the alert a deploy of the service is still suspected of causing it. Default 2 hours;
    /// 1 minute to 1 day. Deploys older than the context window are not seen at all, whatever this says.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan RegressionWindow { get; set; } = TimeSpan.FromHours(2);
}

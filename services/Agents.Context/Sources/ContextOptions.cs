using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources;

/// <summary>Configuration section <c>Context</c>: the window around the alert that context is gathered for.</summary>
public sealed class ContextOptions
{
    public const string SectionName = "Context";

    /// <summary>How far before the alert to look (deploys, metrics). Default 2 hours; 1 minute to 7 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Lookback { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How far after the alert to look (readings taken just after it fired). Default 15 minutes; 0 to 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Lookahead { get; set; } = TimeSpan.FromMinutes(15);
}

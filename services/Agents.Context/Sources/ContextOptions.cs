using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources;

/// <summary>Configuration section <c>Context</c>: the window around the alert that context is gathered for, and how long gathering may take.</summary>
public sealed class ContextOptions
{
    public const string SectionName = "Context";

    /// <summary>How far before the alert to look (deploys, metrics: the baseline). Default 2 hours; 1 minute to 7 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Lookback { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How far after the alert to look (readings taken just after it fired; never past now). Default 15 minutes; 0 to 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Lookahead { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Where the incident window starts, before the alert: metrics before it are the baseline, after it the incident.
    /// Default 30 minutes; 1 minute to 1 day (cut to the lookback).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IncidentWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long gathering may take for one incident, all sources together; a source still running then counts as timed out. Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The runbook catalog whose action ids a past incident's resolution is matched against (read only for its ids). Default <c>deploy/runbooks.yaml</c>.</summary>
    public string RunbookPath { get; set; } = "deploy/runbooks.yaml";
}

using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources;

/// <summary>
/// Configuration section <c>Context:Bounds</c>: how much each source may return, so that the whole context fits a
/// model's window. Sources apply the per-kind limits; the collector applies <see cref="MaxBytes"/> to the whole.
/// </summary>
public sealed class ContextBounds
{
    /// <summary>Points kept per series after downsampling (the analysis runs on the full answer). Default 60.</summary>
    [Range(4, 1000)]
    public int MaxPoints { get; set; } = 60;

    /// <summary>Series kept per query when a query answers several (the largest in the incident window). Default 3.</summary>
    [Range(1, 50)]
    public int MaxSeriesPerQuery { get; set; } = 3;

    /// <summary>Log patterns kept per source (the most frequent). Default 10.</summary>
    [Range(1, 200)]
    public int MaxLogPatterns { get; set; } = 10;

    /// <summary>Log lines read per query before grouping. Default 2000.</summary>
    [Range(10, 50_000)]
    public int MaxLogLines { get; set; } = 2000;

    /// <summary>Past incidents kept (the most similar). Default 5.</summary>
    [Range(1, 100)]
    public int MaxPastIncidents { get; set; } = 5;

    /// <summary>Workload events kept (the most frequent). Default 20.</summary>
    [Range(1, 500)]
    public int MaxEvents { get; set; } = 20;

    /// <summary>Characters kept of any free text (a log sample, an event message, a resolution note). Default 300.</summary>
    [Range(20, 10_000)]
    public int MaxTextLength { get; set; } = 300;

    /// <summary>Deploys kept (the newest), from all sources together. Default 20.</summary>
    [Range(1, 500)]
    public int MaxDeploys { get; set; } = 20;

    /// <summary>Source failures and failed queries kept. Default 20.</summary>
    [Range(1, 500)]
    public int MaxFailures { get; set; } = 20;

    /// <summary>Dependencies of the service that are queried too. Default 5.</summary>
    [Range(0, 50)]
    public int MaxDependencies { get; set; } = 5;

    /// <summary>The whole context as JSON, at most. Default 64 KiB.</summary>
    [Range(4096, 4 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// <paramref name="text"/> with what looks like a credential redacted (<see cref="CredentialScrubber"/>), cut to
    /// <see cref="MaxTextLength"/> characters (with an ellipsis when cut). Every source passes its free text through it.
    /// </summary>
    public string Shorten(string text)
    {
        text = CredentialScrubber.Scrub(text);
        return text.Length <= MaxTextLength ? text : string.Concat(text.AsSpan(0, MaxTextLength - 1), "…");
    }
}

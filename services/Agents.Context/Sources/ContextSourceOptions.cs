using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources;

/// <summary>
/// The settings every external source shares, bound from <c>Context:Sources:&lt;Source&gt;</c>
/// (<c>Context__Sources__Prometheus__Url</c> ...). A source without its <see cref="Url"/> is off.
/// </summary>
public class ContextSourceOptions
{
    /// <summary>The source's base address; null: the source is off.</summary>
    public Uri? Url { get; set; }

    /// <summary>How long the source may take for one incident (all its queries). Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest answer read from the source, in bytes; a larger one fails the request. Default 16 MiB.</summary>
    [Range(64 * 1024, 1024L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    public virtual bool IsEnabled => Url is not null;
}

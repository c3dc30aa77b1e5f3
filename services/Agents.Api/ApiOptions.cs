using System.ComponentModel.DataAnnotations;

namespace Agents.Api;

public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>How long the API waits for the orchestrator to answer a read before it answers 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan OrchestratorTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

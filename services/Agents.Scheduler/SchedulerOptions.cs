using System.ComponentModel.DataAnnotations;

namespace Agents.Scheduler;

/// <summary>The <c>Scheduler</c> configuration section.</summary>
public sealed class SchedulerOptions : IValidatableObject
{
    public const string SectionName = "Scheduler";

    /// <summary>
    /// How long a node waits before looking at the job store again when it knows of nothing due. A message
    /// scheduled through this node wakes it at once; this bounds how late a node notices triggers another
    /// node stored (or recovered) when that node dies.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a node records in the job store that it is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long past a missed check-in the other nodes wait before taking over a node's in-flight triggers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ClusterCheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many due messages a node sends at the same time.</summary>
    [Range(1, 200)]
    public int MaxConcurrency { get; set; } = 10;

    /// <summary>
    /// Queue names, beyond the system's own saga endpoints (<see cref="ScheduleDestinations.SystemQueues"/>), that a
    /// scheduled message may be sent to: exact names (<c>Scheduler__AllowedDestinations__0=...</c>). A
    /// <c>ScheduleMessage</c> to any other destination is refused (to <c>scheduler_error</c>), and a stored one for a
    /// destination no longer allowed is dropped when due.
    /// </summary>
    public List<string> AllowedDestinations { get; set; } = [];

    /// <summary>Prefixes of further allowed queue names (<c>Scheduler__AllowedDestinationPrefixes__0=...</c>), e.g. for test probes.</summary>
    public List<string> AllowedDestinationPrefixes { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A blank entry would allow nothing (a name) or everything (a prefix): a mistake either way.
        if (AllowedDestinations.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("an entry of Scheduler:AllowedDestinations is blank", [nameof(AllowedDestinations)]);
        }

        if (AllowedDestinationPrefixes.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("an entry of Scheduler:AllowedDestinationPrefixes is blank (it would allow every queue)", [nameof(AllowedDestinationPrefixes)]);
        }
    }
}

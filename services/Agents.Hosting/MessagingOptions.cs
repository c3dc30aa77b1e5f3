using System.ComponentModel.DataAnnotations;

namespace Agents.Hosting;

/// <summary>
/// Per-service receive tuning (<c>Messaging__PrefetchCount</c>, <c>Messaging__ConcurrentMessageLimit</c>): how many
/// messages the broker hands a process ahead, and how many it works on at once; and how long a database outage is
/// waited out (<c>Messaging__OutageRetryFor</c>). Unset, each endpoint keeps its own
/// default (agents: 8 at once; the incident saga: 32; MassTransit's prefetch otherwise).
/// </summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    [Range(1, 10_000)]
    public int? PrefetchCount { get; set; }

    [Range(1, 1_000)]
    public int? ConcurrentMessageLimit { get; set; }

    /// <summary>
    /// How long a message whose handling failed because PostgreSQL was unreachable, restarting or failing over
    /// (<see cref="OutageFaults"/>) is tried again before it goes to its error queue: waits of 1, 2, 4, 8, then 15 s.
    /// Default one minute; <c>00:00:00</c> leaves such faults to the ordinary 5 retries over about 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan OutageRetryFor { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The waits between tries during an outage: doubling from 1 s to 15 s, as many as fit in <paramref name="total"/>.</summary>
    public static TimeSpan[] OutageIntervals(TimeSpan total)
    {
        var waits = new List<TimeSpan>();
        var (next, sum) = (TimeSpan.FromSeconds(1), TimeSpan.Zero);
        while (sum + next <= total)
        {
            waits.Add(next);
            sum += next;
            next = TimeSpan.FromSeconds(Math.Min(next.TotalSeconds * 2, 15));
        }

        return [.. waits];
    }
}

/// <summary>
/// What every agent service shares beyond messaging: which brain decides (<c>Agent__Brain</c>: <c>rules</c>, the
/// default, or <c>llm</c>, which needs the <c>Llm__*</c> settings), and an artificial delay before each decision
/// (<c>Agent__ThinkTime</c>) for load and scaling tests that need a slow step without a slow model (zero in production).
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    public const string Rules = "rules";
    public const string Llm = "llm";

    [RegularExpression("^(rules|llm)$", ErrorMessage = "Agent__Brain must be 'rules' or 'llm'.")]
    public string Brain { get; set; } = Rules;

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ThinkTime { get; set; } = TimeSpan.Zero;
}

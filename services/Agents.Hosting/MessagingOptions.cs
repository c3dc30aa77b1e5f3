using System.ComponentModel.DataAnnotations;

namespace Agents.Hosting;

/// <summary>
/// Per-service receive tuning (<c>Messaging__PrefetchCount</c>, <c>Messaging__ConcurrentMessageLimit</c>): how many
/// messages the broker hands a process ahead, and how many it works on at once. Unset, each endpoint keeps its own
/// default (agents: 8 at once; the incident saga: 32; MassTransit's prefetch otherwise).
/// </summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    [Range(1, 10_000)]
    public int? PrefetchCount { get; set; }

    [Range(1, 1_000)]
    public int? ConcurrentMessageLimit { get; set; }
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

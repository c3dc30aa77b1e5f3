namespace Agents.Contracts.Incidents;

/// <summary>
/// The model tokens an incident cost. <see cref="ByAgent"/> is every token each agent reported;
/// <see cref="Orchestration"/> is the part of them that orchestration caused rather than the first run of a step:
/// retries (after a failure, an invalid or contradicting answer, a timeout), late replies to attempts already given
/// up, operator re-runs and emergency pages.
/// </summary>
public sealed record IncidentTokenUsage
{
    public static readonly IncidentTokenUsage None = new();

    public IReadOnlyDictionary<string, TokenUsage> ByAgent { get; init; } = new Dictionary<string, TokenUsage>();

    public TokenUsage Orchestration { get; init; } = TokenUsage.None;

    /// <summary>All agents' tokens together (without a prompt: they were spent on several).</summary>
    public TokenUsage Total => ByAgent.Values.Aggregate(TokenUsage.None, (sum, tokens) => sum + tokens) with { Prompt = null };

    /// <summary>The orchestration's share of all tokens (0 when none were spent).</summary>
    public double OrchestrationShare => Total.Total == 0 ? 0 : (double)Orchestration.Total / Total.Total;

    /// <summary>Adds a reply's tokens for <paramref name="agent"/>; <paramref name="causedByOrchestration"/> counts them as overhead too.</summary>
    public IncidentTokenUsage Add(string agent, TokenUsage tokens, bool causedByOrchestration) => new()
    {
        ByAgent = new Dictionary<string, TokenUsage>(ByAgent)
        {
            [agent] = (ByAgent.TryGetValue(agent, out var sum) ? sum : TokenUsage.None) + tokens,
        },
        Orchestration = causedByOrchestration ? (Orchestration + tokens) with { Prompt = null } : Orchestration,
    };
}

namespace Agents.Contracts;

/// <summary>The model tokens one agent call used: zero for a rule-based brain.</summary>
public sealed record TokenUsage
{
    public static readonly TokenUsage None = new();

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public long Total => InputTokens + OutputTokens;

    /// <summary>
    /// The prompt the tokens were spent on, by file and version (e.g. <c>triage.v1</c>); null for a rule-based brain. On an
    /// incident's sum per agent, the prompt of the agent's latest call: which prompt version produced the answer on record.
    /// </summary>
    public string? Prompt { get; init; }

    public static TokenUsage operator +(TokenUsage left, TokenUsage right) => new()
    {
        InputTokens = left.InputTokens + right.InputTokens,
        OutputTokens = left.OutputTokens + right.OutputTokens,
        Prompt = right.Prompt ?? left.Prompt,
    };
}

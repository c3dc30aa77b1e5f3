namespace Agents.Contracts;

/// <summary>The model tokens one agent call used: zero for a rule-based brain.</summary>
public sealed record TokenUsage
{
    public static readonly TokenUsage None = new();

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public long Total => InputTokens + OutputTokens;

    public static TokenUsage operator +(TokenUsage left, TokenUsage right) => new()
    {
        InputTokens = left.InputTokens + right.InputTokens,
        OutputTokens = left.OutputTokens + right.OutputTokens,
    };
}

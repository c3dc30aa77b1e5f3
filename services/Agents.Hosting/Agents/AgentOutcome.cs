using Agents.Contracts;

namespace Agents.Hosting.Agents;

/// <summary>What an agent's brain decided: a result, or a reason why it could not produce one, and the tokens it spent.</summary>
public sealed record AgentOutcome<T>
    where T : class
{
    private AgentOutcome(T? result, string? failureReason, TokenUsage tokens)
    {
        Result = result;
        FailureReason = failureReason;
        Tokens = tokens;
    }

    public T? Result { get; }

    public string? FailureReason { get; }

    /// <summary>The model tokens spent reaching this outcome: <see cref="TokenUsage.None"/> for a rule-based brain.</summary>
    public TokenUsage Tokens { get; }

    public bool Succeeded => Result is not null;

    /// <summary>The same outcome, with the tokens spent reaching it (e.g. by a planner whose proposal a guardrail then judged).</summary>
    public AgentOutcome<T> WithTokens(TokenUsage tokens) => new(Result, FailureReason, tokens);

    public static AgentOutcome<T> Success(T result, TokenUsage? tokens = null) => new(result, null, tokens ?? TokenUsage.None);

    public static AgentOutcome<T> Failure(string reason, TokenUsage? tokens = null) => new(null, reason, tokens ?? TokenUsage.None);
}

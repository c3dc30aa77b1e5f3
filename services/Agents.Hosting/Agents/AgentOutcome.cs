namespace Agents.Hosting.Agents;

/// <summary>What an agent's brain decided: a result, or a reason why it could not produce one.</summary>
public sealed record AgentOutcome<T>
    where T : class
{
    private AgentOutcome(T? result, string? failureReason)
    {
        Result = result;
        FailureReason = failureReason;
    }

    public T? Result { get; }

    public string? FailureReason { get; }

    public bool Succeeded => Result is not null;

    public static AgentOutcome<T> Success(T result) => new(result, null);

    public static AgentOutcome<T> Failure(string reason) => new(null, reason);
}

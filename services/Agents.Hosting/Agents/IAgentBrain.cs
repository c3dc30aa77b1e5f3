namespace Agents.Hosting.Agents;

/// <summary>
/// The decision logic of one agent, behind which a rule-based or a model-based implementation sits.
/// An expected failure (nothing to conclude, input unusable) is an outcome; an exception means a
/// transient fault that the messaging retry policy handles.
/// </summary>
public interface IAgentBrain<in TCommand, TResult>
    where TResult : class
{
    /// <summary><c>rules</c> or <c>llm</c>: reported in logs and telemetry.</summary>
    string Kind { get; }

    Task<AgentOutcome<TResult>> DecideAsync(TCommand command, CancellationToken cancellationToken);
}

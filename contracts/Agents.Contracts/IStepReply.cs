namespace Agents.Contracts;

/// <summary>What every agent reply (success or failure) carries back to the orchestrator.</summary>
public interface IStepReply
{
    Guid IncidentId { get; }

    /// <summary>The attempt of the command this answers.</summary>
    int Attempt { get; }

    /// <summary>The model tokens the agent used for this answer (zero for a rule-based brain; absent in older messages).</summary>
    TokenUsage Tokens { get; }
}

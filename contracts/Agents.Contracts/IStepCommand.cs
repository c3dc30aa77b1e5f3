namespace Agents.Contracts;

/// <summary>What every command the orchestrator sends to an agent carries: the incident and the step's attempt.</summary>
public interface IStepCommand
{
    /// <summary>The incident, also the saga's correlation id.</summary>
    Guid IncidentId { get; }

    /// <summary>The attempt of the step (1, 2, ...); a reply carries it back so that stale replies are recognised.</summary>
    int Attempt { get; }
}

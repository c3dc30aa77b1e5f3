namespace Agents.Orchestrator.Workflows;

/// <summary>How the orchestrator treats one agent's step.</summary>
public sealed record StepPolicy(TimeSpan Timeout, int Attempts);

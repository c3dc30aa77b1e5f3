namespace Agents.Orchestrator.Workflows;

public sealed class WorkflowConfigurationException(string message) : Exception(message);

namespace Agents.Orchestrator.Workflows;

/// <summary>The shape of the workflow YAML file, before validation.</summary>
internal sealed class WorkflowFile
{
    public Dictionary<string, WorkflowDefinition> Workflows { get; set; } = [];

    internal sealed class WorkflowDefinition
    {
        public List<string>? ShortCircuitSeverities { get; set; }

        public double? MinimumConfidence { get; set; }

        public Dictionary<string, StepDefinition>? Steps { get; set; }
    }

    internal sealed class StepDefinition
    {
        public string? Timeout { get; set; }

        public int? Attempts { get; set; }

        public string? OnExhausted { get; set; }
    }
}

namespace Agents.Orchestrator.Workflows;

/// <summary>The shape of the workflow YAML file, before validation.</summary>
internal sealed class WorkflowFile
{
    public Dictionary<string, WorkflowDefinition> Workflows { get; set; } = [];

    public Dictionary<string, DeliberationDefinition?>? Deliberations { get; set; }

    internal sealed class WorkflowDefinition
    {
        public List<string>? ShortCircuitSeverities { get; set; }

        public double? MinimumConfidence { get; set; }

        public Dictionary<string, StepDefinition>? Steps { get; set; }

        /// <summary>The deliberation (a name of the <c>deliberations:</c> section) that must approve remediation; absent: no gate.</summary>
        public string? Approval { get; set; }
    }

    internal sealed class StepDefinition
    {
        public string? Timeout { get; set; }

        public int? Attempts { get; set; }

        public string? OnExhausted { get; set; }
    }

    internal sealed class DeliberationDefinition
    {
        public List<string>? Participants { get; set; }

        public int? Threshold { get; set; }

        public int? MaxRounds { get; set; }

        public string? RoundTimeout { get; set; }

        public List<string>? Decisions { get; set; }
    }
}

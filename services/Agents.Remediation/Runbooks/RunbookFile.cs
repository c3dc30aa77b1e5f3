namespace Agents.Remediation.Runbooks;

/// <summary>The shape of the runbook catalog YAML, before validation.</summary>
internal sealed class RunbookFile
{
    public List<ActionDefinition?>? Actions { get; set; }

    internal sealed class ActionDefinition
    {
        public string? Id { get; set; }

        public string? Description { get; set; }

        public List<string>? AppliesTo { get; set; }

        public Dictionary<string, ParameterDefinition?>? Parameters { get; set; }

        public List<string>? Steps { get; set; }
    }

    internal sealed class ParameterDefinition
    {
        public string? Type { get; set; }

        public bool? Required { get; set; }

        public long? Min { get; set; }

        public long? Max { get; set; }
    }
}

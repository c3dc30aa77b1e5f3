using System.ComponentModel.DataAnnotations;

namespace Agents.Orchestrator;

public sealed class OrchestratorOptions
{
    public const string SectionName = "Orchestrator";

    /// <summary>The workflow file; relative paths are resolved as <see cref="Agents.Hosting.RepositoryFiles"/> says.</summary>
    [Required]
    public string WorkflowPath { get; set; } = "deploy/workflows.yaml";

    /// <summary>The workflow of that file the incident saga follows.</summary>
    [Required]
    public string Workflow { get; set; } = "incident-response";
}

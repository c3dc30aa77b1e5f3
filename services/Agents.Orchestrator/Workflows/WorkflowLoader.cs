using Agents.Contracts;
using Agents.Hosting;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Agents.Orchestrator.Workflows;

/// <summary>Reads and validates the workflow YAML; every problem found is reported at once.</summary>
public static class WorkflowLoader
{
    public static IncidentWorkflow LoadFile(string path, string workflow)
    {
        if (!File.Exists(path))
        {
            throw new WorkflowConfigurationException($"Workflow file '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), workflow, path);
    }

    public static IncidentWorkflow Parse(string yaml, string workflow, string origin)
    {
        WorkflowFile file;
        try
        {
            file = new DeserializerBuilder()
                .WithNamingConvention(CamelCaseNamingConvention.Instance)
                .Build()
                .Deserialize<WorkflowFile?>(yaml) ?? new WorkflowFile();
        }
        catch (YamlException ex)
        {
            throw new WorkflowConfigurationException(
                $"Workflow file '{origin}' is not valid (line {ex.Start.Line}, column {ex.Start.Column}): {Innermost(ex).Message}");
        }

        if (!file.Workflows.TryGetValue(workflow, out var definition))
        {
            throw new WorkflowConfigurationException(
                $"Workflow file '{origin}' has no workflow '{workflow}' (it has: {string.Join(", ", file.Workflows.Keys)}).");
        }

        var errors = new List<string>();
        var severities = definition.ShortCircuitSeverities ?? [];
        foreach (var severity in severities.Where(s => !Severities.IsKnown(s)))
        {
            errors.Add($"shortCircuitSeverities: '{severity}' is not one of {string.Join(", ", Severities.All)}");
        }

        var minimumConfidence = definition.MinimumConfidence ?? IncidentWorkflow.Default.MinimumConfidence;
        if (minimumConfidence is < 0 or > 1)
        {
            errors.Add($"minimumConfidence: {minimumConfidence} is not between 0 and 1");
        }

        var steps = new Dictionary<string, StepPolicy>();
        var given = definition.Steps ?? [];
        foreach (var unknown in given.Keys.Except(IncidentSteps.Agents))
        {
            errors.Add($"steps: '{unknown}' is not a step (steps are {string.Join(", ", IncidentSteps.Agents)})");
        }

        foreach (var step in IncidentSteps.Agents)
        {
            var fallback = IncidentWorkflow.Default.Step(step);
            if (!given.TryGetValue(step, out var stepDefinition))
            {
                steps[step] = fallback;
                continue;
            }

            var timeout = fallback.Timeout;
            if (stepDefinition.Timeout is not null
                && (!Durations.TryParse(stepDefinition.Timeout, out timeout) || timeout <= TimeSpan.Zero))
            {
                errors.Add($"steps.{step}.timeout: '{stepDefinition.Timeout}' is not a positive duration such as 500ms, 30s or 2m");
            }

            var attempts = stepDefinition.Attempts ?? fallback.Attempts;
            if (attempts is < 1 or > 10)
            {
                errors.Add($"steps.{step}.attempts: {attempts} is not between 1 and 10");
            }
            else if (step == IncidentSteps.Remediation && attempts != 1)
            {
                errors.Add($"steps.remediation.attempts: {attempts}: remediation is never retried blindly, it must be 1 (a failure escalates)");
            }

            var onExhausted = stepDefinition.OnExhausted ?? fallback.OnExhausted;
            if (!ExhaustedPolicies.All.Contains(onExhausted))
            {
                errors.Add($"steps.{step}.onExhausted: '{onExhausted}' is not one of {string.Join(", ", ExhaustedPolicies.All)}");
            }

            steps[step] = new StepPolicy(timeout, attempts, onExhausted);
        }

        if (errors.Count > 0)
        {
            throw new WorkflowConfigurationException(
                $"Workflow '{workflow}' in '{origin}' is invalid:{Environment.NewLine}  - {string.Join($"{Environment.NewLine}  - ", errors)}");
        }

        return new IncidentWorkflow
        {
            Name = workflow,
            ShortCircuitSeverities = severities.ToHashSet(),
            MinimumConfidence = minimumConfidence,
            Steps = steps,
        };
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;
}

using Agents.Contracts;
using Agents.Hosting;
using Agents.Orchestrator.Workflows;

namespace Agents.Orchestrator.Tests.Workflows;

public sealed class WorkflowLoaderTests
{
    [Fact]
    public void The_shipped_workflow_file_loads_and_matches_the_documented_defaults()
    {
        var path = RepositoryFiles.Resolve("deploy/workflows.yaml");

        var workflow = WorkflowLoader.LoadFile(path, "incident-response");

        Assert.Equal(IncidentWorkflow.Default.ShortCircuitSeverities, workflow.ShortCircuitSeverities);
        Assert.Equal(IncidentWorkflow.Default.MinimumConfidence, workflow.MinimumConfidence);
        foreach (var step in IncidentSteps.Agents)
        {
            Assert.Equal(IncidentWorkflow.Default.Step(step), workflow.Step(step));
        }
    }

    [Fact]
    public void Fields_left_out_take_the_defaults_and_durations_accept_units()
    {
        var workflow = WorkflowLoader.Parse(
            """
            workflows:
              fast:
                shortCircuitSeverities: [low, medium]
                steps:
                  triage: { timeout: 2m }
                  context:
                  investigation: { timeout: 1500ms, attempts: 3, onExhausted: fail }
                  remediation: {}
                  notification: { attempts: 1 }
            """, "fast", "test.yaml");

        Assert.Equal(new StepPolicy(TimeSpan.FromMilliseconds(1500), 3, ExhaustedPolicies.Fail), workflow.Step(IncidentSteps.Investigation));
        Assert.Equal(ExhaustedPolicies.Escalate, workflow.Step(IncidentSteps.Triage).OnExhausted);
        Assert.Equal(new StepPolicy(TimeSpan.FromMinutes(2), 2), workflow.Step(IncidentSteps.Triage));
        Assert.Equal(IncidentWorkflow.Default.Step(IncidentSteps.Context), workflow.Step(IncidentSteps.Context));
        Assert.Equal(IncidentWorkflow.Default.Step(IncidentSteps.Remediation), workflow.Step(IncidentSteps.Remediation));
        Assert.Equal(new StepPolicy(TimeSpan.FromSeconds(30), 1), workflow.Step(IncidentSteps.Notification));
        Assert.Contains(Severities.Medium, workflow.ShortCircuitSeverities);
    }

    [Fact]
    public void Without_steps_a_workflow_has_the_five_built_in_steps_with_their_defaults()
    {
        var workflow = WorkflowLoader.Parse("workflows:\n  plain: { minimumConfidence: 0.7 }\n", "plain", "test.yaml");

        Assert.Equal(IncidentSteps.Agents, workflow.Sequence.Select(s => s.Name));
        Assert.All(workflow.Sequence, s => Assert.True(s.IsBuiltIn && s.Agent is null && s.Settings is null && s.When is null));
        foreach (var step in IncidentSteps.Agents)
        {
            Assert.Equal(IncidentWorkflow.Default.Step(step), workflow.Step(step));
        }

        Assert.Equal(0.7, workflow.MinimumConfidence);
        Assert.Empty(workflow.ShortCircuitSeverities);
        Assert.Null(workflow.HumanApprovalTimeout);
    }

    [Fact]
    public void Every_mistake_is_reported_at_once_with_its_place()
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(
            """
            workflows:
              incident-response:
                shortCircuitSeverities: [tiny]
                minimumConfidence: 1.5
                steps:
                  triage: { timeout: soon }
                  investigation: { attempts: 0 }
                  context: { onExhausted: shrug }
                  remediation: { attempts: 3 }
                  Deploy: { attempts: 1 }
            """, "incident-response", "bad.yaml"));

        Assert.Contains("'bad.yaml'", ex.Message);
        Assert.Contains("shortCircuitSeverities: 'tiny'", ex.Message);
        Assert.Contains("minimumConfidence: 1.5", ex.Message);
        Assert.Contains("steps.triage.timeout: 'soon'", ex.Message);
        Assert.Contains("steps.investigation.attempts: 0", ex.Message);
        Assert.Contains("steps.context.onExhausted: 'shrug' is not one of escalate, fail", ex.Message);
        Assert.Contains("remediation is never retried blindly", ex.Message);
        // Any other step name is a plug-in step now; it must still be a lower-case kebab-case name.
        Assert.Contains("steps.Deploy: 'Deploy' is not a lower-case kebab-case name", ex.Message);
    }

    [Fact]
    public void Unknown_keys_and_broken_yaml_name_the_line()
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(
            """
            workflows:
              incident-response:
                steps:
                  triage: { timout: 30s }
            """, "incident-response", "typo.yaml"));

        Assert.Contains("line 4", ex.Message);
        Assert.Contains("timout", ex.Message);
    }

    [Fact]
    public void A_missing_workflow_or_file_is_named()
    {
        var missingWorkflow = Assert.Throws<WorkflowConfigurationException>(() =>
            WorkflowLoader.Parse("workflows:\n  other: {}\n", "incident-response", "w.yaml"));
        var missingFile = Assert.Throws<WorkflowConfigurationException>(() =>
            WorkflowLoader.LoadFile("/nonexistent/workflows.yaml", "incident-response"));

        Assert.Contains("no workflow 'incident-response' (it has: other)", missingWorkflow.Message);
        Assert.Contains("/nonexistent/workflows.yaml", missingFile.Message);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:00:05", 5_000)]
    public void Durations_are_read_with_their_units(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5s")]
    public void Bad_durations_are_refused(string text) => Assert.False(Durations.TryParse(text, out _));
}

using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Orchestrator.Workflows;

namespace Agents.Orchestrator.Tests.Workflows;

public sealed class ApprovalLoaderTests
{
    private const string Deliberations =
        """
        deliberations:
          incident-approval:
            participants: [safety, change-policy, blast-radius]
            threshold: 2
            maxRounds: 3
            roundTimeout: 30s
            decisions: [approve, deny]
          claim-adjudication:
            participants: [policy, coding, medical]
        """;

    [Fact]
    public void Approval_names_a_deliberation_of_the_file_and_its_timeout_covers_every_round()
    {
        var workflow = WorkflowLoader.Parse(
            $"""
            workflows:
              incident-response:
                approval: incident-approval
            {Deliberations}
            """, "incident-response", "test.yaml");

        var approval = Assert.IsType<DeliberationPolicy>(workflow.Approval);
        Assert.Equal(RemediationApproval.Kind, approval.Kind);
        Assert.Equal(Participants.IncidentApproval, approval.Participants);
        Assert.Equal(2, approval.Threshold);
        // 3 rounds of 30s, plus the margin for the conclusion to arrive.
        Assert.Equal(new StepPolicy(TimeSpan.FromMinutes(2), 1), workflow.Step(IncidentSteps.Approval));
    }

    [Fact]
    public void Without_approval_the_gate_is_off()
    {
        var workflow = WorkflowLoader.Parse(
            $"""
            workflows:
              incident-response:
                minimumConfidence: 0.6
            {Deliberations}
            """, "incident-response", "test.yaml");

        Assert.Null(workflow.Approval);
        Assert.Null(IncidentWorkflow.Default.Approval);
        Assert.Throws<InvalidOperationException>(() => workflow.Step(IncidentSteps.Approval));
    }

    [Fact]
    public void The_shipped_file_has_the_gate_off_and_its_commented_example_switches_it_on()
    {
        var path = RepositoryFiles.Resolve("deploy/workflows.yaml");
        var text = File.ReadAllText(path);

        Assert.Null(WorkflowLoader.LoadFile(path, "incident-response").Approval);
        Assert.Contains("    # approval: incident-approval\n", text, StringComparison.Ordinal);
        var enabled = WorkflowLoader.Parse(
            text.Replace("    # approval: incident-approval\n", "    approval: incident-approval\n", StringComparison.Ordinal),
            "incident-response", path);
        Assert.Equal(RemediationApproval.Kind, enabled.Approval?.Kind);
        Assert.Equal(TimeSpan.FromMinutes(2), enabled.Step(IncidentSteps.Approval).Timeout);
    }

    [Fact]
    public void An_unknown_deliberation_is_named_with_the_ones_the_file_has()
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(
            $"""
            workflows:
              incident-response:
                approval: change-board
            {Deliberations}
            """, "incident-response", "bad.yaml"));
        var none = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(
            """
            workflows:
              incident-response:
                approval: incident-approval
            """, "incident-response", "bare.yaml"));

        // The whole file is validated now (every workflow, the routing): the message names the file.
        Assert.Contains("Workflow file 'bad.yaml' is invalid (1 problem)", ex.Message);
        Assert.Contains("line 3, column 15: workflows.incident-response.approval: ", ex.Message);
        Assert.Contains("approval: 'change-board' is not a deliberation of the file's deliberations: section (it has: claim-adjudication, incident-approval)", ex.Message);
        Assert.Contains("approval: 'incident-approval' is not a deliberation of the file's deliberations: section (it has: none)", none.Message);
    }

    [Fact]
    public void A_deliberation_that_cannot_approve_or_is_invalid_is_refused()
    {
        var cannotApprove = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(
            """
            workflows:
              incident-response:
                approval: claims
            deliberations:
              claims: { participants: [policy, coding, medical], decisions: [pay, deny] }
            """, "incident-response", "pay.yaml"));
        var invalid = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(
            """
            workflows:
              incident-response:
                approval: review
                minimumConfidence: 2
            deliberations:
              review: { participants: [a, b, c], threshold: 1 }
            """, "incident-response", "weak.yaml"));

        Assert.Contains("approval: the deliberation 'claims' cannot decide 'approve' (its decisions: pay, deny)", cannotApprove.Message);
        Assert.Contains("approval: the deliberation 'review' is invalid: deliberations.review.threshold: 1 of 3 is not a majority", invalid.Message);
        Assert.Contains("minimumConfidence: 2", invalid.Message);
    }

    [Fact]
    public void A_deliberation_that_accepts_any_decision_can_approve()
    {
        var workflow = WorkflowLoader.Parse(
            """
            workflows:
              incident-response:
                approval: review
            deliberations:
              review: { participants: [solo], maxRounds: 1, roundTimeout: 2m }
            """, "incident-response", "test.yaml");

        Assert.Equal(TimeSpan.FromSeconds(150), workflow.Step(IncidentSteps.Approval).Timeout);
    }
}

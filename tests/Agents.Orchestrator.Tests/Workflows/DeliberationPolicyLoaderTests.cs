using Agents.Hosting;
using Agents.Orchestrator.Workflows;

namespace Agents.Orchestrator.Tests.Workflows;

public sealed class DeliberationPolicyLoaderTests
{
    [Fact]
    public void The_shipped_workflow_file_has_the_claim_adjudication_and_incident_approval_policies()
    {
        var policies = WorkflowLoader.LoadDeliberationsFile(RepositoryFiles.Resolve("deploy/workflows.yaml"));

        var claims = policies.Find("claim-adjudication")!;
        Assert.Equal(["policy", "coding", "medical"], claims.Participants);
        Assert.Equal((2, 5, TimeSpan.FromSeconds(30)), (claims.Threshold, claims.MaxRounds, claims.RoundTimeout));
        Assert.Equal(["pay", "deny"], claims.Decisions);
        var approval = policies.Find("incident-approval")!;
        Assert.Equal(["safety", "change-policy", "blast-radius"], approval.Participants);
        Assert.Equal((2, 3, TimeSpan.FromSeconds(30)), (approval.Threshold, approval.MaxRounds, approval.RoundTimeout));
        Assert.Equal(["approve", "deny"], approval.Decisions);
    }

    [Fact]
    public void Left_out_settings_take_the_defaults_and_the_section_is_optional()
    {
        var policies = WorkflowLoader.ParseDeliberations(
            """
            deliberations:
              review:
                participants: [a, b, c, d, e]
                decisions: [Approve, deny]
            """, "test.yaml");

        var review = policies.Find("review")!;
        Assert.Equal(3, review.Threshold);
        Assert.Equal(WorkflowLoader.DefaultMaxRounds, review.MaxRounds);
        Assert.Equal(WorkflowLoader.DefaultRoundTimeout, review.RoundTimeout);
        Assert.Equal(["approve", "deny"], review.Decisions);
        Assert.Empty(WorkflowLoader.ParseDeliberations("workflows:\n  other: {}\n", "w.yaml").ByKind);
        Assert.Null(policies.Find("unknown"));
    }

    [Fact]
    public void Unanimity_and_a_single_participant_are_valid()
    {
        var policies = WorkflowLoader.ParseDeliberations(
            """
            deliberations:
              unanimous: { participants: [a, b, c], threshold: 3, maxRounds: 1, roundTimeout: 500ms }
              alone: { participants: [solo] }
            """, "test.yaml");

        Assert.Equal((3, 1, TimeSpan.FromMilliseconds(500)), (policies.Find("unanimous")!.Threshold, policies.Find("unanimous")!.MaxRounds, policies.Find("unanimous")!.RoundTimeout));
        Assert.Equal(1, policies.Find("alone")!.Threshold);
    }

    [Theory]
    [InlineData("participants: []", "deliberations.claims.participants: at least one participant is required")]
    [InlineData("threshold: 2", "deliberations.claims.participants: at least one participant is required")]
    [InlineData("participants: [policy, coding, policy]", "deliberations.claims.participants: 'policy' is listed 2 times")]
    [InlineData("participants: [Policy Agent]", "'Policy Agent' is not a lower-case kebab-case name")]
    [InlineData("participants: [triage, coding]", "'triage' is a queue of the system's own")]
    [InlineData("participants: [a, b, c]\n    threshold: 4", "deliberations.claims.threshold: 4 is not between 1 and 3 (the number of participants)")]
    [InlineData("participants: [a, b, c]\n    threshold: 0", "deliberations.claims.threshold: 0 is not between 1 and 3")]
    [InlineData("participants: [a, b, c]\n    threshold: 1", "deliberations.claims.threshold: 1 of 3 is not a majority, so two different decisions could both reach it; use at least 2")]
    [InlineData("participants: [a, b, c, d]\n    threshold: 2", "2 of 4 is not a majority")]
    [InlineData("participants: [a, b, c]\n    maxRounds: 0", "deliberations.claims.maxRounds: 0 is not between 1 and 20")]
    [InlineData("participants: [a, b, c]\n    maxRounds: 21", "deliberations.claims.maxRounds: 21 is not between 1 and 20")]
    [InlineData("participants: [a, b, c]\n    roundTimeout: soon", "deliberations.claims.roundTimeout: 'soon' is not a positive duration")]
    [InlineData("participants: [a, b, c]\n    roundTimeout: 0s", "deliberations.claims.roundTimeout: '0s' is not a positive duration")]
    [InlineData("participants: [a, b, c]\n    decisions: [pay]", "deliberations.claims.decisions: 'pay' alone leaves nothing to decide")]
    [InlineData("participants: [a, b, c]\n    decisions: [pay, Pay]", "deliberations.claims.decisions: 'pay' is listed 2 times")]
    [InlineData("participants: [a, b, c]\n    decisions: [pay, undecided]", "deliberations.claims.decisions: 'undecided' is the stance of a participant that cannot decide yet")]
    public void Each_mistake_is_named_with_its_place(string body, string message)
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() =>
            WorkflowLoader.ParseDeliberations($"deliberations:\n  claims:\n    {body}\n", "bad.yaml"));

        Assert.Contains("Deliberations in 'bad.yaml' are invalid", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Every_mistake_is_reported_at_once_and_a_bad_kind_name_or_key_is_named()
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseDeliberations(
            """
            deliberations:
              Claims_Review: { participants: [a, a], maxRounds: 0 }
              empty:
            """, "bad.yaml"));
        var typo = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseDeliberations(
            """
            deliberations:
              claims:
                participants: [a]
                treshold: 1
            """, "typo.yaml"));

        Assert.Contains("deliberations.Claims_Review: 'Claims_Review' is not a lower-case kebab-case name", ex.Message);
        Assert.Contains("deliberations.Claims_Review.participants: 'a' is listed 2 times", ex.Message);
        Assert.Contains("deliberations.Claims_Review.maxRounds: 0", ex.Message);
        Assert.Contains("deliberations.empty.participants: at least one participant is required", ex.Message);
        Assert.Contains("line 4", typo.Message);
        Assert.Contains("treshold", typo.Message);
    }

    [Fact]
    public void The_incident_workflow_still_loads_from_a_file_with_deliberations()
    {
        var workflow = WorkflowLoader.LoadFile(RepositoryFiles.Resolve("deploy/workflows.yaml"), "incident-response");

        Assert.Equal("incident-response", workflow.Name);
    }
}

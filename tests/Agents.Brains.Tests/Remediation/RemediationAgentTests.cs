using Agents.Brains.Tests.Support;
using Agents.Contracts.Investigation;
using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Remediation.Brain;
using Agents.Remediation.Runbooks;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

public sealed class RemediationAgentTests
{
    [Fact]
    public void Regression_with_a_last_good_version_is_rolled_back_to_it()
    {
        var plan = RuleBasedRemediationBrain.Plan(Samples.Remediate(Samples.Regression(lastGood: "v7.4.1"))).Result!;

        Assert.Equal("rollback", plan.ActionId);
        Assert.Equal(Samples.Service, plan.Parameters["service"]);
        Assert.Equal("v7.4.1", plan.Parameters["to_version"]);
        Assert.Contains("v7.4.2", plan.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Capacity_problem_is_scaled_out_by_two_replicas()
    {
        var plan = RuleBasedRemediationBrain.Plan(Samples.Remediate(Samples.Capacity())).Result!;

        Assert.Equal("scale-out", plan.ActionId);
        Assert.Equal("2", plan.Parameters["replicas_added"]);
        Assert.Equal(Samples.Service, plan.Parameters["service"]);
    }

    [Fact]
    public void Regression_without_a_last_good_version_has_no_fitting_action()
    {
        var outcome = RuleBasedRemediationBrain.Plan(Samples.Remediate(Samples.Regression(lastGood: null)));

        Assert.StartsWith("no runbook action fits", outcome.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_hypothesis_has_no_fitting_action()
    {
        var unknown = new Hypothesis { Category = "unknown", Summary = "?", Confidence = 0.2, ErrorsObserved = false };

        var outcome = RuleBasedRemediationBrain.Plan(Samples.Remediate(unknown));

        Assert.Equal("no runbook action fits the unknown hypothesis for auth-service; a human has to decide", outcome.FailureReason);
    }

    [Fact]
    public async Task Agent_plans_checks_and_dry_runs_a_rollback()
    {
        var agent = Agent(new RuleBasedRemediationBrain());

        var outcome = await agent.DecideAsync(Samples.Remediate(), default);

        var result = Assert.IsType<RemediationResult>(outcome.Result);
        Assert.Equal("rules", agent.Kind);
        Assert.Equal("rollback", result.ActionId);
        Assert.True(result.DryRun);
        Assert.Equal("v7.4.1", result.Parameters["to_version"]);
        Assert.All(result.Steps, step => Assert.StartsWith("would: ", step, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_refuses_a_plan_the_guardrail_rejects()
    {
        var rogue = new FixedPlanner(AgentOutcome<RemediationPlan>.Success(new RemediationPlan
        {
            ActionId = "rollback",
            Parameters = new Dictionary<string, string> { ["service"] = Samples.Service, ["to_version"] = "v0.0.1-never-deployed" },
            Rationale = "made up",
        }));

        var outcome = await Agent(rogue).DecideAsync(Samples.Remediate(), default);

        Assert.False(outcome.Succeeded);
        Assert.Contains("'v0.0.1-never-deployed' is not a version among the recent deploys", outcome.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_passes_on_the_planner_failure()
    {
        var outcome = await Agent(new FixedPlanner(AgentOutcome<RemediationPlan>.Failure("nothing fits"))).DecideAsync(Samples.Remediate(), default);

        Assert.Equal("nothing fits", outcome.FailureReason);
    }

    [Fact]
    public async Task A_command_consumed_after_its_not_after_time_is_refused_without_asking_the_planner()
    {
        var planner = new FixedPlanner(AgentOutcome<RemediationPlan>.Failure("should not be asked"));
        var late = Samples.Remediate() with { NotAfter = DateTimeOffset.UtcNow.AddSeconds(-1) };

        var outcome = await Agent(planner).DecideAsync(late, default);

        Assert.StartsWith("refused: the command waited past its step's timeout (not after ", outcome.FailureReason, StringComparison.Ordinal);
        Assert.EndsWith("nothing was executed", outcome.FailureReason, StringComparison.Ordinal);
        Assert.Equal(0, planner.Calls);
    }

    [Fact]
    public async Task A_workflow_that_asks_a_human_gets_the_plan_with_what_each_parameter_may_be_changed_to()
    {
        var outcome = await Agent(new RuleBasedRemediationBrain()).DecideAsync(Samples.Remediate() with { RequireApproval = true }, default);

        var result = Assert.IsType<RemediationResult>(outcome.Result);
        Assert.Equal(RemediationExecutions.ApprovalRequired, result.Execution);
        Assert.True(result.DryRun);
        Assert.Equal("v7.4.1", result.Parameters["to_version"]);
        var choice = Assert.Single(result.Proposal!.Choices);
        Assert.Equal(("to_version", "version"), (choice.Name, choice.Type));
        Assert.Contains("v7.4.1", choice.Values);
        Assert.Equal(TimeSpan.FromMinutes(15), result.Proposal.Timeout);
    }

    private static RemediationAgent Agent(IAgentBrain<RemediateIncident, RemediationPlan> planner) => AgentBuilder.DryRun(planner);

    private sealed class FixedPlanner(AgentOutcome<RemediationPlan> outcome) : IAgentBrain<RemediateIncident, RemediationPlan>
    {
        public int Calls { get; private set; }

        public string Kind => "fixed";

        public Task<AgentOutcome<RemediationPlan>> DecideAsync(RemediateIncident command, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(outcome);
        }
    }
}

using Agents.Brains.Tests.Support;
using Agents.Contracts.Remediation;
using Agents.Remediation.Runbooks;

namespace Agents.Brains.Tests.Remediation;

public sealed class RunbookExecutorTests
{
    private readonly RunbookExecutor _executor = new(CatalogFixture.Catalog);

    [Fact]
    public void Rollback_dry_run_records_the_rendered_steps_and_executes_nothing()
    {
        var plan = Plan("rollback", "service=auth-service;to_version=v7.4.1", "roll back the bad deploy");

        var outcome = _executor.DryRun(plan, Samples.Remediate());

        var result = Assert.IsType<RemediationResult>(outcome.Result);
        Assert.Equal("rollback", result.ActionId);
        Assert.True(result.DryRun);
        Assert.Equal(
            ["would: roll back auth-service to v7.4.1", "would: invalidate caches of auth-service", "would: restart pods of auth-service"],
            result.Steps);
        Assert.Equal("dry-run: 3 steps recorded, nothing executed", result.Outcome);
        Assert.Equal("v7.4.1", result.Parameters["to_version"]);
        Assert.Equal("roll back the bad deploy", result.Rationale);
        Assert.False(string.IsNullOrWhiteSpace(result.Description));
    }

    [Fact]
    public void Scale_out_dry_run_renders_the_replica_count()
    {
        var outcome = _executor.DryRun(Plan("scale-out", "service=auth-service;replicas_added=3"), Samples.Remediate(Samples.Capacity()));

        Assert.Equal("would: add 3 replicas to auth-service", outcome.Result!.Steps[0]);
    }

    [Fact]
    public void Version_known_only_as_a_previous_version_is_accepted()
    {
        var plan = Plan("rollback", "service=auth-service;to_version=v7.4.0");

        Assert.Null(_executor.Check(plan, Samples.Remediate()));
    }

    [Fact]
    public void Service_that_is_not_a_kubernetes_name_is_refused_even_when_it_names_the_service_in_other_case()
    {
        var reason = _executor.Check(Plan("rollback", "service=Auth-Service;to_version=v7.4.1"), Samples.Remediate());

        Assert.Contains("service 'Auth-Service' is not a valid Kubernetes name (DNS-1123", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v7.4.1;rm -rf /")]
    [InlineData("v7.4.1 && curl evil")]
    [InlineData("$(reboot)")]
    [InlineData("v7.4.1`id`")]
    [InlineData("v7.4.1|sh")]
    [InlineData("v7.4.1\nx")]
    [InlineData("-v7.4.1")]
    public void Version_with_whitespace_or_shell_characters_is_refused_before_the_deploy_lookup(string version)
    {
        var plan = new RemediationPlan
        {
            ActionId = "rollback",
            Parameters = new Dictionary<string, string> { ["service"] = "auth-service", ["to_version"] = version },
            Rationale = "test",
        };

        var reason = _executor.Check(plan, Samples.Remediate());

        Assert.Contains("is not a valid version", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drop-database", "regression", "service=auth-service", "refused 'drop-database': it is not an action of the runbook catalog (known: rollback, scale-out, restart-pods)")]
    [InlineData("rollback", "regression", "service=auth-service", "the required parameter 'to_version' is missing")]
    [InlineData("rollback", "regression", "service=auth-service;to_version= ", "the required parameter 'to_version' is missing")]
    [InlineData("rollback", "regression", "service=auth-service;to_version=v7.4.1;force=true", "'force' is not a parameter of rollback")]
    [InlineData("rollback", "regression", "service=billing;to_version=v7.4.1", "service 'billing' is not the incident's service 'auth-service'")]
    [InlineData("rollback", "regression", "service=auth-service;to_version=v6.0.0", "to_version 'v6.0.0' is not a version among the recent deploys of auth-service (known: v7.4.2, v7.4.1, v7.4.0)")]
    [InlineData("scale-out", "capacity", "service=auth-service;replicas_added=2.5", "replicas_added '2.5' is not a whole number")]
    [InlineData("scale-out", "capacity", "service=auth-service;replicas_added=two", "replicas_added 'two' is not a whole number")]
    [InlineData("scale-out", "capacity", "service=auth-service;replicas_added=0", "replicas_added 0 is outside the allowed range 1..10")]
    [InlineData("scale-out", "capacity", "service=auth-service;replicas_added=11", "replicas_added 11 is outside the allowed range 1..10")]
    [InlineData("scale-out", "regression", "service=auth-service;replicas_added=2", "it does not apply to a regression hypothesis (only to capacity)")]
    public void Guardrail_refuses_the_plan_with_the_reason(string action, string category, string parameters, string reason)
    {
        var hypothesis = category == "capacity" ? Samples.Capacity() : Samples.Regression();

        var outcome = _executor.DryRun(Plan(action, parameters), Samples.Remediate(hypothesis));

        Assert.False(outcome.Succeeded);
        Assert.Contains(reason, outcome.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_refusal_says_when_there_are_no_deploys_at_all()
    {
        var outcome = _executor.DryRun(Plan("rollback", "service=auth-service;to_version=v7.4.1"), Samples.Remediate(deploys: []));

        Assert.EndsWith("(there are none)", outcome.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_a_plan_is_named_at_once()
    {
        var reason = _executor.Check(Plan("rollback", "service=billing;extra=1"), Samples.Remediate());

        Assert.NotNull(reason);
        Assert.StartsWith("refused rollback: ", reason, StringComparison.Ordinal);
        Assert.Contains("'to_version' is missing", reason, StringComparison.Ordinal);
        Assert.Contains("'extra' is not a parameter", reason, StringComparison.Ordinal);
        Assert.Contains("service 'billing'", reason, StringComparison.Ordinal);
    }

    private static RemediationPlan Plan(string action, string parameters, string rationale = "test") =>
        new() { ActionId = action, Parameters = CatalogFixture.Parameters(parameters), Rationale = rationale };
}

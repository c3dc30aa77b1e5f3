using Agents.Brains.Tests.Support;
using Agents.Contracts.Remediation;
using Agents.Hosting.Catalog;
using Agents.Hosting.Remediation;
using Agents.Remediation.Brain;
using Agents.Remediation.Control;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>
/// The remediation agent acting for real: the execution ledger in a fresh PostgreSQL database, the Kubernetes executor
/// through the real KubernetesClient against the fake API server, the rule-based planner. auth-service is in
/// <c>mode: auto</c>, billing in <c>mode: approve</c>.
/// </summary>
public sealed class RemediationExecutionTests : IAsyncLifetime
{
    private const string Image = "registry.example.com/auth-service";

    private FreshDatabase _database = null!;
    private FakeKubernetesApi _k8s = null!;
    private PostgresExecutionLedger _ledger = null!;
    private KillSwitch _killSwitch = null!;
    private KubernetesActionExecutor _executor = null!;
    private RemediationAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_remexec");
        var connections = ExecutionLedgerTests.Connections(_database.ConnectionString);
        _ledger = new PostgresExecutionLedger(connections, TimeProvider.System);
        await _ledger.CreateAsync(default);
        _killSwitch = new KillSwitch(connections, new ConfigurationBuilder().Build(), TimeProvider.System);
        _k8s = await FakeKubernetesApi.Start();
        foreach (var service in new[] { Samples.Service, "billing" })
        {
            var labels = new Dictionary<string, string> { ["app"] = service };
            var uid = _k8s.AddDeployment("prod", service, labels, $"{Image}:v7.4.2", revision: 2);
            _k8s.AddReplicaSet("prod", $"{service}-5d8f7c9b4", uid, service, labels, 1, $"{Image}:v7.4.1", DateTimeOffset.UtcNow.AddDays(-3));
            _k8s.AddReplicaSet("prod", $"{service}-7f6b5c4d2", uid, service, labels, 2, $"{Image}:v7.4.2", DateTimeOffset.UtcNow.AddMinutes(-10));
        }

        _executor = new KubernetesActionExecutor(
            Options.Create(new RemediationKubernetesOptions { Url = _k8s.Url, Token = FakeKubernetesApi.DefaultToken }),
            TimeProvider.System,
            NullLogger<KubernetesActionExecutor>.Instance);
        var services = ServiceCatalog.Parse("""
            services:
              - name: auth-service
                kubernetes: { namespace: prod, workload: deployment/auth-service }
                remediation:
                  mode: auto
                  cooldown: 5m
                  verify: { query: 'max(error_ratio{service="auth-service"})', below: 0.01, for: 2m, within: 8m }
              - name: billing
                kubernetes: { namespace: prod, workload: deployment/billing }
                remediation: { mode: approve, approvalTimeout: 20m }
            """, "test catalog");
        _agent = new RemediationAgent(
            new RuleBasedRemediationBrain(),
            new RunbookExecutor(CatalogFixture.Catalog),
            CatalogFixture.Catalog,
            services,
            new ActionExecutors([_executor]),
            _ledger,
            new RemediationControls(_ledger, _killSwitch, Options.Create(new RemediationControlOptions()), TimeProvider.System),
            TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _killSwitch.DisposeAsync();
        await _ledger.DisposeAsync();
        await _k8s.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task In_auto_mode_the_rollback_runs_once_after_a_server_side_dry_run_and_says_how_to_verify_it()
    {
        var outcome = await _agent.DecideAsync(Command(), default);

        var result = Assert.IsType<RemediationResult>(outcome.Result);
        Assert.Equal((RemediationExecutions.Executed, RemediationModes.Auto, false), (result.Execution, result.Mode, result.DryRun));
        Assert.Equal("v7.4.1", result.Parameters["to_version"]);
        Assert.StartsWith("rolled back deployment/auth-service in prod to revision 1", Assert.Single(result.Steps), StringComparison.Ordinal);
        Assert.Equal(("max(error_ratio{service=\"auth-service\"})", 0.01, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(8)),
            (result.Verification!.Query, result.Verification.Below, result.Verification.For, result.Verification.Within));
        Assert.NotNull(result.ExecutedAt);
        Assert.Equal([true, false], _k8s.Mutations.Select(m => m.DryRun));
        var row = Assert.Single(await _ledger.ForIncidentAsync(Samples.IncidentId, default));
        Assert.Equal((ExecutionStatus.Succeeded, "rollback"), (row.Status, row.ActionId));
    }

    [Fact]
    public async Task Twenty_copies_of_one_command_at_once_act_once_and_every_copy_reports_the_outcome()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _agent.DecideAsync(Command(), default)));

        Assert.Single(_k8s.Applied);
        Assert.All(outcomes, o => Assert.Equal(RemediationExecutions.Executed, o.Result?.Execution));
        Assert.Equal(19, outcomes.Count(o => o.Result!.Steps.Single().Contains("not run again", StringComparison.Ordinal)));
        Assert.Single(await _ledger.ForIncidentAsync(Samples.IncidentId, default));

        // Redelivered later (a resume, a dead-letter replay): the recorded outcome again, nothing done.
        var replayed = await _agent.DecideAsync(Command(), default);
        Assert.Contains("not run again", replayed.Result!.Steps.Single(), StringComparison.Ordinal);
        Assert.Single(_k8s.Applied);
    }

    [Fact]
    public async Task A_step_claimed_by_a_process_that_died_is_never_run_again_and_says_so()
    {
        var connections = ExecutionLedgerTests.Connections(_database.ConnectionString);
        await using (var dead = new PostgresExecutionLedger(connections, TimeProvider.System))
        {
            var claim = await dead.ClaimAsync(new ExecutionKey(Samples.IncidentId, 1, 0),
                new ExecutionFacts("fp", Samples.Service, "rollback", "deployment/auth-service in prod", new Dictionary<string, string>()), default);
            Assert.Equal(ExecutionStatus.Claimed, claim.Status);
            // The process dies: its lease goes with its connection, its outcome is never recorded.
            await claim.Lease!.DisposeAsync();
        }

        var outcome = await _agent.DecideAsync(Command(), default);

        Assert.StartsWith("outcome unknown: rollback step 1 of 1", outcome.FailureReason, StringComparison.Ordinal);
        Assert.Contains("not acting again", outcome.FailureReason, StringComparison.Ordinal);
        Assert.Empty(_k8s.Mutations);
    }

    [Fact]
    public async Task The_kill_switch_a_cooldown_and_the_back_off_block_the_action_and_say_which_stopped_it()
    {
        await _killSwitch.SetAsync(true, "alice", "bad tooling", default);
        var switched = await _agent.DecideAsync(Command(), default);
        Assert.Equal(RemediationExecutions.Blocked, switched.Result!.Execution);
        Assert.Contains("kill-switch: the remediation kill switch is engaged by alice", switched.Result.Outcome, StringComparison.Ordinal);
        Assert.Empty(_k8s.Mutations);
        await _killSwitch.SetAsync(false, "alice", "fixed", default);

        Assert.Equal(RemediationExecutions.Executed, (await _agent.DecideAsync(Command(), default)).Result!.Execution);
        var second = await _agent.DecideAsync(Command() with { IncidentId = Guid.NewGuid(), Fingerprint = "another alert" }, default);
        Assert.Equal(RemediationExecutions.Blocked, second.Result!.Execution);
        Assert.Contains("cooldown: an action on deployment/auth-service in prod succeeded at", second.Result.Outcome, StringComparison.Ordinal);
        Assert.Single(_k8s.Applied);
    }

    [Fact]
    public async Task Three_failures_of_one_alert_stop_automatic_action_on_it_for_an_hour()
    {
        _k8s.FailPatches("deployments", FakeKubernetesApi.Failure.Forbidden);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var failed = await _agent.DecideAsync(Command(attempt), default);
            Assert.Contains("forbidden", failed.FailureReason, StringComparison.OrdinalIgnoreCase);
        }

        var fourth = await _agent.DecideAsync(Command(4), default);

        Assert.Equal(RemediationExecutions.Blocked, fourth.Result!.Execution);
        Assert.Contains("back-off: the last 3 remediations of this alert (fingerprint fp-auth) failed", fourth.Result.Outcome, StringComparison.Ordinal);
        Assert.Equal(3, (await _ledger.ForIncidentAsync(Samples.IncidentId, default)).Count);
    }

    [Fact]
    public async Task In_approve_mode_the_plan_is_proposed_and_only_the_approved_plan_runs_with_the_approvers_version()
    {
        var command = Command() with { Service = "billing", Context = Samples.Context([
            Samples.Deploy("v7.4.2", 10, previous: "v7.4.1", service: "billing"), Samples.Deploy("v7.4.1", 90, previous: "v7.4.0", service: "billing")]) };
        var proposal = (await _agent.DecideAsync(command with { Hypothesis = Samples.Regression() }, default)).Result!;

        Assert.Equal((RemediationExecutions.ApprovalRequired, RemediationModes.Approve), (proposal.Execution, proposal.Mode));
        Assert.Equal(TimeSpan.FromMinutes(20), proposal.Proposal!.Timeout);
        Assert.Equal(["v7.4.2", "v7.4.1", "v7.4.0"], Assert.Single(proposal.Proposal.Choices).Values);
        Assert.Empty(_k8s.Mutations);

        var approved = await _agent.DecideAsync(command with
        {
            Attempt = 2,
            Approved = new ApprovedRemediation
            {
                ActionId = "rollback",
                Parameters = new Dictionary<string, string> { ["service"] = "billing", ["to_version"] = "v7.4.1" },
                RequestHash = new string('a', 64),
                ApprovedBy = "apikey:oncall",
            },
        }, default);

        Assert.Equal(RemediationExecutions.Executed, approved.Result!.Execution);
        Assert.Contains("approved by apikey:oncall", approved.Result.Rationale, StringComparison.Ordinal);
        Assert.Single(_k8s.Applied, m => m.Name == "billing");
    }

    private static RemediateIncident Command(int attempt = 1) => Samples.Remediate() with
    {
        Attempt = attempt,
        Fingerprint = "fp-auth",
        NotAfter = DateTimeOffset.UtcNow.AddMinutes(1),
    };
}

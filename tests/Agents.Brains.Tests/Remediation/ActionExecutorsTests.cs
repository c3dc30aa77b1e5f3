using Agents.Hosting.Catalog;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>The executors together: parameter validation before any executor, target checks, dispatch by kind.</summary>
public sealed class ActionExecutorsTests : IDisposable
{
    private static readonly ActionTarget Orders = new("orders", new KubernetesTarget { Namespace = "prod", Workload = "deployment/orders" });

    private readonly KubernetesActionExecutor _kubernetes = new(
        Options.Create(new RemediationKubernetesOptions { Url = new Uri("http://127.0.0.1:9"), Token = "t" }), TimeProvider.System, NullLogger<KubernetesActionExecutor>.Instance);

    private readonly RecordingExecutor _recording = new();

    public void Dispose() => _kubernetes.Dispose();

    [Theory]
    [InlineData("rollback", "service=orders&to_version=v5.1.9", null)]
    [InlineData("rollback", "service=Orders&to_version=v5.1.9", "service 'Orders' is not a valid Kubernetes name (DNS-1123")]
    [InlineData("rollback", "service=orders-&to_version=v5.1.9", "is not a valid Kubernetes name")]
    [InlineData("rollback", "service=-orders&to_version=v5.1.9", "is not a valid Kubernetes name")]
    [InlineData("rollback", "service=or.ders&to_version=v5.1.9", "is not a valid Kubernetes name")]
    [InlineData("rollback", "service=orders&to_version=v5.1.9;$(id)", "is not a valid version")]
    [InlineData("rollback", "service=orders&to_version=v5.1.9 ", "is not a valid version")]
    [InlineData("rollback", "service=orders&to_version=v5>1", "is not a valid version")]
    [InlineData("rollback", "service=orders&to_version=v5'1", "is not a valid version")]
    [InlineData("rollback", "service=orders&to_version=*", "is not a valid version")]
    [InlineData("rollback", "service=orders", "the parameter 'to_version' is missing")]
    [InlineData("rollback", "service=orders&to_version=v1&force=yes", "'force' is not a parameter of rollback")]
    [InlineData("scale-out", "service=orders&replicas_added=10", null)]
    [InlineData("scale-out", "service=orders&replicas_added=11", "replicas_added 11 is outside the allowed range 1..10")]
    [InlineData("scale-out", "service=orders&replicas_added=0", "replicas_added 0 is outside the allowed range 1..10")]
    [InlineData("scale-out", "service=orders&replicas_added=3;rm", "is not a whole number")]
    public void Parameters_are_validated_before_any_executor(string action, string parameters, string? problem)
    {
        Assert.True(CatalogFixture.Catalog.TryGet(action, out var found));
        var values = parameters.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        var problems = ActionExecutors.ParameterProblems(found, values);

        if (problem is null)
        {
            Assert.Null(problems);
        }
        else
        {
            Assert.Contains(problem, problems, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Names_longer_than_a_dns_label_are_refused()
    {
        Assert.True(CatalogFixture.Catalog.TryGet("restart-pods", out var restart));

        Assert.Null(ActionExecutors.ParameterProblems(restart, new Dictionary<string, string> { ["service"] = new string('a', 63) }));
        Assert.Contains("at most 63", ActionExecutors.ParameterProblems(restart, new Dictionary<string, string> { ["service"] = new string('a', 64) }), StringComparison.Ordinal);
        Assert.True(ParameterRules.IsObjectName("orders.v2-canary"));
        Assert.False(ParameterRules.IsObjectName(new string('a', 254)));
        Assert.False(ParameterRules.IsObjectName("orders\n"));
    }

    [Fact]
    public void Action_without_run_steps_cannot_be_executed()
    {
        var action = RunbookCatalog.Parse("""
            actions:
              - id: page-owner
                description: Ask the owning team
                appliesTo: [unknown]
                steps: ["page the owner"]
            """, "test").Actions[0];

        Assert.Equal("page-owner has no executor steps (run:) in the runbook catalog; only a human can carry it out", Executors().ValidateTarget(action, Orders));
    }

    [Fact]
    public void Target_problems_of_every_step_are_named()
    {
        var rollback = RunbookCatalog.Parse(RollbackWithCache, "test").Actions[0];

        var problems = new ActionExecutors([_kubernetes]).ValidateTarget(rollback, new ActionTarget("orders", null));

        Assert.Equal("the service catalog has no kubernetes entry (namespace, workload) for orders, so there is nothing to act on; no redis executor is available", problems);
        Assert.Null(Executors().ValidateTarget(rollback, Orders));
    }

    [Fact]
    public async Task Runs_a_step_by_its_kind_and_refuses_one_missing_its_parameters()
    {
        var executors = Executors();
        var step = new RedisStep { Unlink = ["{service}:cache:*"] };

        var ran = await executors.RunAsync(step, new Dictionary<string, string> { ["service"] = "orders" }, Orders, default);
        var missing = await executors.RunAsync(step, new Dictionary<string, string>(), Orders, default);
        var unknown = await new ActionExecutors([_kubernetes]).RunAsync(step, new Dictionary<string, string> { ["service"] = "orders" }, Orders, default);

        Assert.Equal(StepResult.Success("recorded redis"), ran);
        Assert.Equal(StepResult.Failure("refused: the step needs the parameters service"), missing);
        Assert.Equal(StepResult.Failure("refused: no redis executor is available"), unknown);
        Assert.Single(_recording.Runs);
    }

    [Fact]
    public void Describes_each_step_by_its_executor()
    {
        var rollback = RunbookCatalog.Parse(RollbackWithCache, "test").Actions[0];
        var executors = Executors();
        var parameters = new Dictionary<string, string> { ["service"] = "orders", ["to_version"] = "v5.1.9" };

        Assert.Equal(
            ["deployment/orders in prod", "recorded target"],
            rollback.Run.Select(s => executors.DescribeTarget(s, parameters, Orders)));
    }

    private const string RollbackWithCache = """
        actions:
          - id: rollback
            description: Roll back
            appliesTo: [regression]
            parameters:
              service: { type: service }
              to_version: { type: version }
            steps: ["roll back {service} to {to_version}"]
            run:
              - kubernetes: { operation: rollback, toVersion: "{to_version}" }
              - redis: { unlink: ["{service}:cache:*"] }
        """;

    private ActionExecutors Executors() => new([_kubernetes, _recording]);

    /// <summary>Stands in for the Redis executor: records what it was asked to run.</summary>
    private sealed class RecordingExecutor : IActionExecutor
    {
        public List<ExecutorStep> Runs { get; } = [];

        public string Kind => RedisStep.KindName;

        public Task<StepResult> RunAsync(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target, CancellationToken ct)
        {
            Runs.Add(step);
            return Task.FromResult(StepResult.Success("recorded redis"));
        }

        public string DescribeTarget(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target) => "recorded target";

        public string? ValidateTarget(ExecutorStep step, ActionTarget target) => null;
    }
}

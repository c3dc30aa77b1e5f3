using Agents.Contracts.Remediation;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Hosting.Remediation;
using Agents.Remediation.Brain;
using Agents.Remediation.Control;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>
/// A remediation agent for the planning tests: the shipped runbook catalog, the built-in service catalog (every service in
/// the default mode, dry-run), no executors and a ledger that has never recorded anything. A dry run never reaches the
/// ledger's writes, the controls or an executor; if it did, the ledger here throws and the test fails.
/// </summary>
internal static class AgentBuilder
{
    public static RemediationAgent DryRun(IAgentBrain<RemediateIncident, RemediationPlan> planner)
    {
        var ledger = new EmptyLedger();
        var killSwitch = new KillSwitch(
            new AgentsConnections { RabbitMqUrl = new Uri(AgentsConnections.DefaultRabbitMqUrl), RabbitMqVirtualHost = "/" },
            new ConfigurationBuilder().Build(),
            TimeProvider.System);
        return new RemediationAgent(
            planner,
            new RunbookExecutor(CatalogFixture.Catalog),
            CatalogFixture.Catalog,
            ServiceCatalog.BuiltIn,
            new ActionExecutors([]),
            ledger,
            new RemediationControls(ledger, killSwitch, Options.Create(new RemediationControlOptions()), TimeProvider.System),
            TimeProvider.System);
    }

    /// <summary>A ledger with no records, that refuses every write.</summary>
    private sealed class EmptyLedger : IExecutionLedger
    {
        public Task<IReadOnlyList<ExecutionRecord>> ForAttemptAsync(Guid incidentId, int attempt, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ExecutionRecord>>([]);

        public Task<IReadOnlyList<ExecutionRecord>> ForIncidentAsync(Guid incidentId, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ExecutionRecord>>([]);

        public Task<ExecutionClaim> ClaimAsync(ExecutionKey key, ExecutionFacts facts, CancellationToken ct) => throw Unexpected();

        public Task SucceededAsync(ExecutionKey key, string summary, CancellationToken ct) => throw Unexpected();

        public Task FailedAsync(ExecutionKey key, string summary, CancellationToken ct) => throw Unexpected();

        public Task<ExecutionClaim> StatusAsync(ExecutionKey key, CancellationToken ct) => throw Unexpected();

        public Task<ExecutionClaim> WaitAsync(ExecutionKey key, TimeSpan timeout, CancellationToken ct) => throw Unexpected();

        public Task<DateTimeOffset?> LastSucceededAsync(string target, CancellationToken ct) => throw Unexpected();

        public Task<IReadOnlyList<FinishedExecution>> LastFinishedAsync(string fingerprint, int count, CancellationToken ct) => throw Unexpected();

        private static InvalidOperationException Unexpected() => new("a dry run must not claim, record or look up executions");
    }
}

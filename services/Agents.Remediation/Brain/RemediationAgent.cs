using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Remediation.Runbooks;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Brain;

/// <summary>
/// The remediation agent's brain as the consumer sees it: a planner (rule-based, or the model) proposes a
/// runbook action and the <see cref="RunbookExecutor"/> checks it against the guardrail and dry-runs it. With
/// <see cref="RemediationOptions.DryRun"/> off every remediation is refused: this version never executes.
/// </summary>
public sealed class RemediationAgent(
    IAgentBrain<RemediateIncident, RemediationPlan> planner,
    RunbookExecutor executor,
    IOptions<RemediationOptions> options) : IAgentBrain<RemediateIncident, RemediationResult>
{
    public const string LiveExecutionRefused = "live execution is not enabled in this version";

    public string Kind => planner.Kind;

    public async Task<AgentOutcome<RemediationResult>> DecideAsync(RemediateIncident command, CancellationToken cancellationToken)
    {
        if (!options.Value.DryRun)
        {
            return AgentOutcome<RemediationResult>.Failure(LiveExecutionRefused);
        }

        var plan = await planner.DecideAsync(command, cancellationToken);
        var outcome = plan.Result is { } proposed
            ? executor.DryRun(proposed, command)
            : AgentOutcome<RemediationResult>.Failure(plan.FailureReason ?? "the planner proposed no action");
        return outcome.WithTokens(plan.Tokens);
    }
}

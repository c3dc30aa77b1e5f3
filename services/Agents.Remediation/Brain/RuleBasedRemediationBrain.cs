using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Remediation.Runbooks;

namespace Agents.Remediation.Brain;

/// <summary>
/// Picks a runbook action by fixed rules: a regression with a last good version is rolled back to it; a capacity
/// problem is scaled out by <see cref="ReplicasAdded"/> replicas; a known issue is resolved again by the action that
/// resolved it before, with the service as its only parameter (the executor refuses it when the action needs more or does
/// not apply to known issues); anything else, a dependency's fault included, has no fitting action (a failure outcome:
/// the incident escalates to a human). It only proposes; the <see cref="RunbookExecutor"/> checks.
/// </summary>
public sealed class RuleBasedRemediationBrain : IAgentBrain<RemediateIncident, RemediationPlan>
{
    public const int ReplicasAdded = 2;

    public string Kind => "rules";

    public Task<AgentOutcome<RemediationPlan>> DecideAsync(RemediateIncident command, CancellationToken cancellationToken) =>
        Task.FromResult(Plan(command));

    public static AgentOutcome<RemediationPlan> Plan(RemediateIncident command)
    {
        var hypothesis = command.Hypothesis;
        switch (hypothesis.Category)
        {
            case "regression" when !string.IsNullOrWhiteSpace(hypothesis.LastGoodVersion):
                return AgentOutcome<RemediationPlan>.Success(new RemediationPlan
                {
                    ActionId = "rollback",
                    Parameters = new Dictionary<string, string> { ["service"] = command.Service, ["to_version"] = hypothesis.LastGoodVersion },
                    Rationale = $"The hypothesis blames deploy {hypothesis.SuspectVersion ?? "(unnamed)"} of {command.Service}; "
                        + $"rolling back to {hypothesis.LastGoodVersion}, the last version believed good.",
                });

            case "regression":
                return AgentOutcome<RemediationPlan>.Failure(
                    $"no runbook action fits: the regression of {command.Service} names no last good version to roll back to");

            case "capacity":
                return AgentOutcome<RemediationPlan>.Success(new RemediationPlan
                {
                    ActionId = "scale-out",
                    Parameters = new Dictionary<string, string>
                    {
                        ["service"] = command.Service,
                        ["replicas_added"] = ReplicasAdded.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    },
                    Rationale = $"The hypothesis is a capacity problem of {command.Service}; adding {ReplicasAdded} replicas to absorb the load.",
                });

            case "known-issue" when !string.IsNullOrWhiteSpace(hypothesis.KnownAction):
                return AgentOutcome<RemediationPlan>.Success(new RemediationPlan
                {
                    ActionId = hypothesis.KnownAction,
                    Parameters = new Dictionary<string, string> { ["service"] = command.Service },
                    Rationale = $"A similar past incident of {command.Service} was resolved by {hypothesis.KnownAction}; doing the same.",
                });

            case "dependency":
                return AgentOutcome<RemediationPlan>.Failure(
                    $"no runbook action fits: {hypothesis.Dependency ?? "a dependency"} of {command.Service} degraded first; its owners have to act");

            default:
                return AgentOutcome<RemediationPlan>.Failure(
                    $"no runbook action fits the {hypothesis.Category} hypothesis for {command.Service}; a human has to decide");
        }
    }
}

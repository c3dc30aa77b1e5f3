using Agents.Contracts;
using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Remediation.Control;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;

namespace Agents.Remediation.Brain;

/// <summary>
/// The remediation agent's brain as the consumer sees it. In order:
/// <list type="number">
/// <item>a command consumed after its <see cref="RemediateIncident.NotAfter"/> is refused (the incident has moved on);</item>
/// <item>a duplicate (redelivery, resume, replay) of an attempt that already claimed steps in the execution ledger does not
/// plan again: it finishes the recorded plan, reporting what each step did, waiting for a step another copy is running,
/// and refusing to guess about a step whose claimer died mid-action;</item>
/// <item>the planner (rules or the model) proposes, or a human's approved plan is taken as it is; the guardrail and the
/// parameter rules check it against the runbook catalog;</item>
/// <item>the service's mode decides: approve (or a workflow that asks a human) proposes the plan for approval first; dry-run
/// (also for an approved plan) records what would be done; auto, or an approved plan, passes the controls (kill switch,
/// freeze, cooldown, back-off) and executes each step under its claim, then says how to verify it.</item>
/// </list>
/// </summary>
public sealed class RemediationAgent(
    IAgentBrain<RemediateIncident, RemediationPlan> planner,
    RunbookExecutor guardrail,
    RunbookCatalog runbooks,
    ServiceCatalog services,
    ActionExecutors executors,
    IExecutionLedger ledger,
    RemediationControls controls,
    TimeProvider clock) : IAgentBrain<RemediateIncident, RemediationResult>
{
    /// <summary>How long a duplicate waits for a step another copy of the command is executing, when the command sets no deadline.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(5);

    public string Kind => planner.Kind;

    public async Task<AgentOutcome<RemediationResult>> DecideAsync(RemediateIncident command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (command.NotAfter is { } notAfter && now > notAfter)
        {
            return AgentOutcome<RemediationResult>.Failure(
                $"refused: the command waited past its step's timeout (not after {notAfter:u}, consumed {now:u}); nothing was executed");
        }

        var recorded = await ledger.ForAttemptAsync(command.IncidentId, command.Attempt, cancellationToken);
        if (recorded.Count > 0)
        {
            return await Resume(command, recorded, cancellationToken);
        }

        var (plan, tokens, failure) = await Plan(command, cancellationToken);
        if (plan is null)
        {
            return AgentOutcome<RemediationResult>.Failure(failure!, tokens);
        }

        var outcome = await Decide(command, plan, cancellationToken);
        return outcome.WithTokens(tokens);
    }

    /// <summary>The plan: a human's approved one as it is, else the planner's.</summary>
    private async Task<(RemediationPlan? Plan, TokenUsage Tokens, string? Failure)> Plan(RemediateIncident command, CancellationToken ct)
    {
        if (command.Approved is { } approved)
        {
            var changes = approved.Changes.Count == 0 ? "" : $" with {string.Join(", ", approved.Changes)}";
            return (new RemediationPlan
            {
                ActionId = approved.ActionId,
                Parameters = approved.Parameters,
                Rationale = $"approved by {approved.ApprovedBy}{changes} (approval request {approved.RequestHash})",
            }, TokenUsage.None, null);
        }

        var proposed = await planner.DecideAsync(command, ct);
        return proposed.Result is { } plan
            ? (plan, proposed.Tokens, null)
            : (null, proposed.Tokens, proposed.FailureReason ?? "the planner proposed no action");
    }

    private async Task<AgentOutcome<RemediationResult>> Decide(RemediateIncident command, RemediationPlan plan, CancellationToken ct)
    {
        if (guardrail.Check(plan, command) is { } refusal)
        {
            return AgentOutcome<RemediationResult>.Failure(refusal);
        }

        runbooks.TryGet(plan.ActionId, out var action);
        if (ActionExecutors.ParameterProblems(action!, plan.Parameters) is { } problems)
        {
            return AgentOutcome<RemediationResult>.Failure($"refused {action!.Id}: {problems}");
        }

        var entry = services.Resolve(command.Service);
        var mode = controls.ModeFor(entry);
        var target = new ActionTarget(command.Service, entry.Kubernetes);
        var targetText = TargetOf(action!, plan.Parameters, target);
        var basis = Result(action!, plan, mode, targetText);
        if (controls.ActionRefusal(entry, action!.Id) is { } notAllowed)
        {
            return Blocked(basis, notAllowed);
        }

        if (command.Approved is null && (mode == RemediationModes.Approve || command.RequireApproval))
        {
            return AgentOutcome<RemediationResult>.Success(basis with
            {
                Execution = RemediationExecutions.ApprovalRequired,
                Steps = action.Steps.Select(step => $"will: {RunbookCatalog.Render(step, plan.Parameters)}").ToList(),
                Outcome = "waiting for a human's approval: nothing executed yet",
                Proposal = new RemediationProposal { Choices = Choices(action, command), Timeout = controls.ApprovalTimeoutFor(entry) },
            });
        }

        if (mode == RemediationModes.DryRun)
        {
            return AgentOutcome<RemediationResult>.Success(basis with
            {
                Execution = RemediationExecutions.DryRun,
                Outcome = $"dry-run: {action.Steps.Count} {(action.Steps.Count == 1 ? "step" : "steps")} recorded, nothing executed",
            });
        }

        if (executors.ValidateTarget(action, target) is { } cannot)
        {
            return Blocked(basis, cannot);
        }

        foreach (var stepTarget in action.Run.Select(step => executors.DescribeTarget(step, plan.Parameters, target)).Distinct(StringComparer.Ordinal))
        {
            if (await controls.CheckAsync(entry, stepTarget, command.Fingerprint ?? command.Service, ct) is { } control)
            {
                // A copy of this very command may have acted since this one looked at the ledger: its execution is what
                // the cooldown (or back-off) saw. Then this is a duplicate, which reports that execution.
                var recorded = await ledger.ForAttemptAsync(command.IncidentId, command.Attempt, ct);
                return recorded.Count > 0
                    ? await Resume(command, recorded, ct)
                    : Blocked(basis, $"{control.Control}: {control.Reason}");
            }
        }

        return await Execute(command, action, plan.Parameters, plan.Rationale, mode, target, entry, ct);
    }

    /// <summary>A duplicate of an attempt that claimed steps already: the recorded plan is finished, never planned again.</summary>
    private async Task<AgentOutcome<RemediationResult>> Resume(RemediateIncident command, IReadOnlyList<ExecutionRecord> recorded, CancellationToken ct)
    {
        var first = recorded[0];
        if (!runbooks.TryGet(first.ActionId, out var action))
        {
            return AgentOutcome<RemediationResult>.Failure(
                $"attempt {command.Attempt} executed '{first.ActionId}', which the runbook catalog no longer has: not acting again");
        }

        var entry = services.Resolve(command.Service);
        var target = new ActionTarget(command.Service, entry.Kubernetes);
        return await Execute(command, action, first.Parameters, $"the recorded plan of attempt {command.Attempt} (a duplicate of the command)",
            controls.ModeFor(entry), target, entry, ct);
    }

    /// <summary>Runs each step under its claim; a step claimed before reports its recorded outcome instead of running again.</summary>
    private async Task<AgentOutcome<RemediationResult>> Execute(
        RemediateIncident command, RunbookAction action, IReadOnlyDictionary<string, string> parameters, string rationale, string mode,
        ActionTarget target, CatalogEntry entry, CancellationToken ct)
    {
        var done = new List<string>();
        foreach (var step in action.Run)
        {
            var key = new ExecutionKey(command.IncidentId, command.Attempt, step.Index);
            var stepTarget = executors.DescribeTarget(step, parameters, target);
            var claim = await ledger.ClaimAsync(key, new ExecutionFacts(command.Fingerprint ?? command.Service, command.Service, action.Id, stepTarget, parameters), ct);
            if (claim.Status == ExecutionStatus.InProgress)
            {
                claim = await ledger.WaitAsync(key, WaitFor(command), ct);
            }

            var number = $"step {step.Index + 1} of {action.Run.Count} ({step.Kind} on {stepTarget})";
            switch (claim.Status)
            {
                case ExecutionStatus.Claimed:
                    await using (claim.Lease)
                    {
                        StepResult result;
                        try
                        {
                            result = await executors.RunAsync(step, parameters, target, ct);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            result = StepResult.Failure($"the executor failed: {e.GetType().Name}");
                        }

                        if (result.Succeeded)
                        {
                            await ledger.SucceededAsync(key, result.Summary, CancellationToken.None);
                            done.Add(result.Summary);
                            break;
                        }

                        await ledger.FailedAsync(key, result.Summary, CancellationToken.None);
                        return Failed(action, number, result.Summary, done);
                    }

                case ExecutionStatus.Succeeded:
                    done.Add($"{claim.Summary} (recorded {claim.At:u}, not run again)");
                    break;
                case ExecutionStatus.Failed:
                    return Failed(action, number, $"{claim.Summary} (recorded {claim.At:u}, not run again)", done);
                case ExecutionStatus.Unknown:
                    return AgentOutcome<RemediationResult>.Failure(
                        $"outcome unknown: {action.Id} {number} was claimed by {claim.ClaimedBy ?? "another process"} at {claim.At:u}, which stopped "
                        + $"before recording whether it acted; not acting again: check {stepTarget} by hand");
                default:
                    return AgentOutcome<RemediationResult>.Failure(
                        $"{action.Id} {number} is still being executed by {claim.ClaimedBy ?? "another process"} after {Hosting.Durations.Format(WaitFor(command))}; not acting again");
            }
        }

        return AgentOutcome<RemediationResult>.Success(Result(action, new RemediationPlan { ActionId = action.Id, Parameters = parameters, Rationale = rationale }, mode,
            TargetOf(action, parameters, target)) with
        {
            DryRun = false,
            Execution = RemediationExecutions.Executed,
            Steps = done,
            Outcome = $"executed: {done.Count} {(done.Count == 1 ? "step" : "steps")} done",
            Verification = controls.VerificationFor(entry),
            ExecutedAt = clock.GetUtcNow(),
        });
    }

    private TimeSpan WaitFor(RemediateIncident command)
    {
        var left = command.NotAfter is { } notAfter ? notAfter - clock.GetUtcNow() : DefaultWait;
        return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
    }

    private static AgentOutcome<RemediationResult> Failed(RunbookAction action, string number, string summary, IReadOnlyList<string> done) =>
        AgentOutcome<RemediationResult>.Failure($"{action.Id} {number} failed: {summary}"
            + (done.Count == 0 ? "" : $" (done before it: {string.Join("; ", done)})"));

    private static AgentOutcome<RemediationResult> Blocked(RemediationResult basis, string reason) =>
        AgentOutcome<RemediationResult>.Success(basis with { Execution = RemediationExecutions.Blocked, Outcome = $"not executed: {reason}" });

    /// <summary>What the action acts on, in words, one entry per distinct step target; "(no executor)" for an action only a human can do.</summary>
    private string TargetOf(RunbookAction action, IReadOnlyDictionary<string, string> parameters, ActionTarget target) =>
        action.IsExecutable
            ? string.Join("; ", action.Run.Select(step => executors.DescribeTarget(step, parameters, target)).Distinct(StringComparer.Ordinal))
            : $"{target.Service} (no executor: a human carries it out)";

    private static RemediationResult Result(RunbookAction action, RemediationPlan plan, string mode, string target) => new()
    {
        ActionId = action.Id,
        Description = action.Description,
        Parameters = new Dictionary<string, string>(plan.Parameters),
        DryRun = true,
        Mode = mode,
        Target = target,
        Steps = action.Steps.Select(step => $"would: {RunbookCatalog.Render(step, plan.Parameters)}").ToList(),
        Outcome = "",
        Rationale = plan.Rationale,
    };

    /// <summary>What an approver may change each parameter to: a version among the service's recent deploys, an integer within its bounds.</summary>
    private static IReadOnlyList<ParameterChoice> Choices(RunbookAction action, RemediateIncident command) =>
        action.Parameters.Values.Select(parameter => parameter.Type switch
        {
            RunbookParameterType.Version => new ParameterChoice
            {
                Name = parameter.Name,
                Type = "version",
                Values = command.Context.RecentDeploys
                    .Where(d => string.Equals(d.Service, command.Service, StringComparison.OrdinalIgnoreCase))
                    .SelectMany(d => new[] { d.Version, d.PreviousVersion })
                    .OfType<string>()
                    .Distinct(StringComparer.Ordinal)
                    .ToList(),
            },
            RunbookParameterType.Integer => new ParameterChoice { Name = parameter.Name, Type = "integer", Min = parameter.Min, Max = parameter.Max },
            _ => null,
        }).OfType<ParameterChoice>().ToList();
}

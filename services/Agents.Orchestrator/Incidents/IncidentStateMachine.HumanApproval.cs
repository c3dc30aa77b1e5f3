using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Remediation;
using MassTransit;
using Outcomes = Agents.Hosting.AgentsTelemetry.Outcomes;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// A human's approval of a concrete remediation plan (the service's mode is approve, or the workflow says
/// <c>approval: human</c>): the remediation agent proposes an action without acting; the incident keeps an immutable
/// request (action, parameters, target, the hypothesis and its evidence, the deadline, and their hash), pages someone and
/// waits (<see cref="AwaitingApproval"/>). Approved, possibly with parameters changed within the request's choices: the
/// next remediation attempt executes exactly that plan. Denied: escalated. Nobody decided by the deadline: the system
/// decides <see cref="RemediationApprovalStatuses.Expired"/> and the incident escalates.
/// </summary>
public sealed partial class IncidentStateMachine
{
    /// <summary>The <see cref="RemediationApprovalRecord.Kind"/> of a human's approval.</summary>
    public const string HumanApprovalKind = "human";

    /// <summary>Whether the incident waits for a human's approval.</summary>
    private bool IsAwaitingHuman(IncidentState incident) =>
        !IsEnded(incident) && incident.CurrentStep == IncidentSteps.Approval && incident.Approval?.Kind == HumanApprovalKind;

    private Task RequestPlanApproval(BehaviorContext<IncidentState> ctx, RemediationResult proposal)
    {
        var incident = ctx.Saga;
        var now = _clock.GetUtcNow();
        var timeout = WorkflowOf(incident).HumanApprovalTimeout ?? proposal.Proposal?.Timeout ?? TimeSpan.FromMinutes(15);
        var hypothesis = incident.Hypothesis!;
        var plan = Sealed(new RemediationApprovalPlan
        {
            ActionId = proposal.ActionId,
            Description = proposal.Description,
            Parameters = new SortedDictionary<string, string>(proposal.Parameters.ToDictionary(), StringComparer.Ordinal),
            Target = proposal.Target,
            Steps = proposal.Steps,
            Rationale = proposal.Rationale,
            Hypothesis = string.Create(CultureInfo.InvariantCulture, $"{hypothesis.Category} ({hypothesis.Confidence:0.00}): {hypothesis.Summary}"),
            Evidence = hypothesis.Evidence.Select(e => Bounded(JsonSerializer.Serialize(e, RevisionJson), 300)).ToList(),
            Choices = proposal.Proposal?.Choices ?? [],
            Deadline = now + timeout,
            Hash = "",
        });
        incident.ApprovalRequests++;
        incident.ApprovalDeliberationId = null;
        incident.Approval = new RemediationApprovalRecord
        {
            DeliberationId = Guid.Empty,
            Kind = HumanApprovalKind,
            Request = incident.ApprovalRequests,
            Status = RemediationApprovalStatuses.Pending,
            RequestedAt = now,
            Timeout = timeout,
            Plan = plan,
        };
        StepSucceeded(ctx);
        Record(incident, IncidentSteps.Approval, 1, "approval requested",
            $"a human must approve or deny {plan.ActionId}{(plan.Target is { } target ? $" on {target}" : "")} with "
            + $"{Describe(plan.Parameters)} by {plan.Deadline:u} (POST /incidents/{incident.CorrelationId}/approval); request hash {plan.Hash}; "
            + "without a decision the incident escalates");
        return StartStep(ctx, IncidentSteps.Approval, 1, null);
    }

    /// <summary>The plan with its <see cref="RemediationApprovalPlan.Hash"/>: SHA-256 over its canonical JSON without the hash.</summary>
    internal static RemediationApprovalPlan Sealed(RemediationApprovalPlan plan) =>
        plan with { Hash = Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(plan with { Hash = "" }, RevisionJson))) };

    /// <summary>Why a human's decision cannot be taken as it is, or null when it can.</summary>
    private string? DecisionRefusal(IncidentState incident, DecideApproval decision)
    {
        if (!IsAwaitingHuman(incident))
        {
            return IsEnded(incident)
                ? $"the incident is {incident.CurrentState}: there is no approval to decide"
                : $"the incident does not wait for a human's approval (it is {incident.CurrentState}, {incident.CurrentStep} attempt {incident.StepAttempt})";
        }

        if (OperatorText.Actor(decision.Actor) is null)
        {
            return "the decision names nobody (no actor)";
        }

        var plan = incident.Approval!.Plan;
        if (decision.RequestHash is { } hash && plan is not null && !string.Equals(hash.Trim(), plan.Hash, StringComparison.OrdinalIgnoreCase))
        {
            return $"the approval request is {plan.Hash}, not the {Bounded(hash, 80)} you saw: read it again (GET /incidents/{incident.CorrelationId})";
        }

        if (decision.Parameters is not { Count: > 0 } changes)
        {
            return null;
        }

        if (decision.Decision.Trim().ToLowerInvariant() != RemediationApproval.Approve)
        {
            return "parameters may be changed only when approving";
        }

        if (plan is null)
        {
            return "this approval has no plan whose parameters could be changed";
        }

        // A parameter sent back with the plan's own value is no change (a form may send every parameter).
        var problems = changes.Where(c => plan.Parameters.GetValueOrDefault(c.Key) != c.Value)
            .Select(c => ChoiceProblem(plan, c.Key, c.Value)).OfType<string>().ToList();
        return problems.Count == 0 ? null : $"parameters refused: {string.Join("; ", problems)}";
    }

    /// <summary>Why <paramref name="name"/> may not be set to <paramref name="value"/> under the request's choices, or null.</summary>
    private static string? ChoiceProblem(RemediationApprovalPlan plan, string name, string value)
    {
        // Only the plan's parameters may change (a choice for one the plan does not have adds nothing to it).
        if (!plan.Parameters.ContainsKey(name))
        {
            return $"'{Bounded(name, 64)}' is not a parameter of {plan.ActionId} (it has: {string.Join(", ", plan.Parameters.Keys)})";
        }

        var choice = plan.Choices.FirstOrDefault(c => c.Name == name);
        if (choice is null)
        {
            return $"'{Bounded(name, 64)}' cannot be changed";
        }

        if (choice.Values.Count > 0)
        {
            return choice.Values.Contains(value, StringComparer.Ordinal)
                ? null
                : $"{name} '{Bounded(value, 64)}' is not one of {string.Join(", ", choice.Values)}";
        }

        if (choice.Min is not null || choice.Max is not null)
        {
            return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                && number >= (choice.Min ?? long.MinValue) && number <= (choice.Max ?? long.MaxValue)
                ? null
                : $"{name} '{Bounded(value, 64)}' is not a whole number within {choice.Min?.ToString(CultureInfo.InvariantCulture) ?? "…"}..{choice.Max?.ToString(CultureInfo.InvariantCulture) ?? "…"}";
        }

        return $"'{name}' has no values it may be changed to";
    }

    private async Task OnApprovalDecided(BehaviorContext<IncidentState, DecideApproval> ctx)
    {
        var incident = ctx.Saga;
        var decision = ctx.Message.Decision.Trim().ToLowerInvariant();
        var actor = OperatorText.Actor(ctx.Message.Actor)!;
        var approved = decision == RemediationApproval.Approve;
        var plan = incident.Approval!.Plan;
        var changes = (ctx.Message.Parameters ?? new Dictionary<string, string>())
            .Where(c => plan is not null && plan.Parameters.GetValueOrDefault(c.Key) != c.Value)
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => $"{c.Key}: {plan!.Parameters[c.Key]} → {c.Value}")
            .ToList();
        var parameters = plan is null ? null : new SortedDictionary<string, string>(plan.Parameters.ToDictionary(), StringComparer.Ordinal);
        foreach (var (name, value) in ctx.Message.Parameters ?? new Dictionary<string, string>())
        {
            parameters![name] = value;
        }

        var detail = $"{decision} by {actor}" + (changes.Count > 0 ? $" with {string.Join(", ", changes)}" : "")
            + (string.IsNullOrWhiteSpace(ctx.Message.Note) ? "" : $": {Bounded(ctx.Message.Note, 500)}");
        incident.Approval = incident.Approval with
        {
            Status = approved ? RemediationApprovalStatuses.Approved : RemediationApprovalStatuses.Denied,
            ConcludedAt = _clock.GetUtcNow(),
            Decision = decision,
            Detail = detail,
            DecidedBy = actor,
            ApprovedParameters = approved ? parameters : null,
            Changes = changes,
        };
        Record(incident, IncidentSteps.Approval, incident.StepAttempt, approved ? "remediation approved" : "remediation denied", detail, actor);
        OrchestratorLog.OperatorCommand(_logger, incident.CorrelationId, $"approval: {detail}");
        await ctx.RespondAsync(new OperatorCommandAccepted { IncidentId = incident.CorrelationId, Detail = $"remediation {(approved ? "approved" : "denied")}: {detail}" });
        if (approved)
        {
            StepSucceeded(ctx);
            await StartStep(ctx, IncidentSteps.Remediation, 1, null);
            incident.Approval = incident.Approval with { ExecutionAttempt = incident.StepAttempt };
            return;
        }

        IncidentTelemetry.StepEnded(ctx, incident, Outcomes.Ok, detail, _clock.GetUtcNow());
        await Escalate(ctx, $"remediation not approved: {detail}");
    }

    /// <summary>The approved plan the remediation attempt executes, when that attempt was dispatched on a human's approval.</summary>
    private static ApprovedRemediation? ApprovedPlan(IncidentState incident, int attempt) =>
        incident.Approval is { Kind: HumanApprovalKind, Status: RemediationApprovalStatuses.Approved, Plan: { } plan } approval
            && (approval.ExecutionAttempt == attempt || approval.ExecutionAttempt is null && incident.RemediationAttempts == attempt)
            ? new ApprovedRemediation
            {
                ActionId = plan.ActionId,
                Parameters = approval.ApprovedParameters ?? plan.Parameters,
                RequestHash = plan.Hash,
                ApprovedBy = approval.DecidedBy ?? "unknown",
                Changes = approval.Changes,
            }
            : null;

    private static string Describe(IReadOnlyDictionary<string, string> parameters) =>
        parameters.Count == 0 ? "no parameters" : string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}"));
}

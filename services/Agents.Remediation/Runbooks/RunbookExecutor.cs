using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;

namespace Agents.Remediation.Runbooks;

/// <summary>
/// Carries out a <see cref="RemediationPlan"/> against the <see cref="RunbookCatalog"/>, as a dry run only: the
/// rendered steps are recorded, nothing is executed. Before that, the guardrail refuses (a failure outcome naming
/// every problem) a plan whose action is not in the catalog or does not apply to the hypothesis's category, that
/// lacks a required parameter or gives an undeclared one, whose value has the wrong shape (<see cref="ParameterRules"/>), whose integer is not a whole number or is out of range,
/// whose <c>service</c> parameter is not the incident's service, or whose <c>version</c> parameter is neither the
/// version nor the previous version of one of the service's recent deploys.
/// </summary>
public sealed class RunbookExecutor(RunbookCatalog catalog)
{
    /// <summary>Why the guardrail refuses <paramref name="plan"/> for <paramref name="command"/>, or null when it may run.</summary>
    public string? Check(RemediationPlan plan, RemediateIncident command)
    {
        if (!catalog.TryGet(plan.ActionId, out var action))
        {
            return $"refused '{plan.ActionId}': it is not an action of the runbook catalog (known: {string.Join(", ", catalog.Actions.Select(a => a.Id))})";
        }

        var problems = new List<string>();
        var category = command.Hypothesis.Category;
        if (!action.AppliesTo.Contains(category))
        {
            problems.Add($"it does not apply to a {category} hypothesis (only to {string.Join(", ", action.AppliesTo)})");
        }

        foreach (var missing in action.Parameters.Values.Where(p => p.Required && string.IsNullOrWhiteSpace(plan.Parameters.GetValueOrDefault(p.Name))))
        {
            problems.Add($"the required parameter '{missing.Name}' is missing");
        }

        foreach (var (name, value) in plan.Parameters)
        {
            if (!action.Parameters.TryGetValue(name, out var parameter))
            {
                problems.Add($"'{name}' is not a parameter of {action.Id} (it has: {string.Join(", ", action.Parameters.Keys)})");
            }
            else if (!string.IsNullOrWhiteSpace(value) && CheckValue(parameter, value, command) is { } problem)
            {
                problems.Add(problem);
            }
        }

        return problems.Count == 0 ? null : $"refused {action.Id}: {string.Join("; ", problems)}";
    }

    /// <summary>The dry run of <paramref name="plan"/>: what would be done, or the guardrail's refusal.</summary>
    public AgentOutcome<RemediationResult> DryRun(RemediationPlan plan, RemediateIncident command)
    {
        if (Check(plan, command) is { } refusal)
        {
            return AgentOutcome<RemediationResult>.Failure(refusal);
        }

        catalog.TryGet(plan.ActionId, out var action);
        var steps = action!.Steps.Select(step => $"would: {RunbookCatalog.Render(step, plan.Parameters)}").ToList();
        return AgentOutcome<RemediationResult>.Success(new RemediationResult
        {
            ActionId = action.Id,
            Description = action.Description,
            Parameters = new Dictionary<string, string>(plan.Parameters),
            DryRun = true,
            Steps = steps,
            Outcome = $"dry-run: {steps.Count} {(steps.Count == 1 ? "step" : "steps")} recorded, nothing executed",
            Rationale = plan.Rationale,
        });
    }

    private static string? CheckValue(RunbookParameter parameter, string value, RemediateIncident command)
    {
        // The shape first (a DNS-1123 name, a version without whitespace or shell characters, an integer in range,
        // safe free text), whatever the incident says.
        if (ParameterRules.Problem(parameter, value) is { } problem)
        {
            return problem;
        }

        switch (parameter.Type)
        {
            case RunbookParameterType.Service when !string.Equals(value.Trim(), command.Service, StringComparison.OrdinalIgnoreCase):
                return $"{parameter.Name} '{value}' is not the incident's service '{command.Service}'";

            case RunbookParameterType.Version:
                var known = command.Context.RecentDeploys
                    .Where(d => string.Equals(d.Service, command.Service, StringComparison.OrdinalIgnoreCase))
                    .SelectMany(d => new[] { d.Version, d.PreviousVersion })
                    .OfType<string>()
                    .Distinct()
                    .ToList();
                return known.Contains(value, StringComparer.Ordinal)
                    ? null
                    : $"{parameter.Name} '{value}' is not a version among the recent deploys of {command.Service} "
                        + (known.Count == 0 ? "(there are none)" : $"(known: {string.Join(", ", known)})");

            default:
                return null;
        }
    }
}

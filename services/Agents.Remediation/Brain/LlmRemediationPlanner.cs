using System.Text;
using Agents.Contracts.Remediation;
using Agents.Hosting.Agents;
using Agents.Hosting.Llm;
using Agents.Remediation.Runbooks;

namespace Agents.Remediation.Brain;

/// <summary>
/// Proposes a runbook action with a model (prompt <c>Prompts/remediation.v2.md</c> followed by the catalog, which is our
/// own configuration; the incident goes as delimited, untrusted data). It only proposes: whatever the model says,
/// <see cref="RunbookExecutor"/> refuses an action outside the catalog or parameters outside the catalog's schema, and
/// the refusal escalates the incident. The model answers a <see cref="PlanAnswer"/> (parameters as name/value pairs, for
/// strict structured output); a parameter named twice is an invalid output.
/// </summary>
public sealed class LlmRemediationPlanner(StructuredChat chat, RunbookCatalog catalog) : IAgentBrain<RemediateIncident, RemediationPlan>
{
    public const string PromptFile = "remediation.v2.md";

    /// <summary>The action id the model gives when nothing in the catalog fits.</summary>
    public const string NoAction = "none";

    private readonly string _instructions = Prompts.Load(PromptFile) + Describe(catalog);

    public string Kind => "llm";

    public async Task<AgentOutcome<RemediationPlan>> DecideAsync(RemediateIncident command, CancellationToken cancellationToken)
    {
        var answer = await chat.AskAsync<PlanAnswer>(_instructions,
            [new("service", command.Service), new("hypothesis", command.Hypothesis), new("context", command.Context)], cancellationToken);
        if (answer.Value is { ActionId: NoAction } none)
        {
            return AgentOutcome<RemediationPlan>.Failure($"the model found no runbook action that fits: {none.Rationale}", answer.Tokens);
        }

        var checkedAnswer = answer.Checked(plan => plan.Problem());
        return checkedAnswer.Result is { } plan
            ? AgentOutcome<RemediationPlan>.Success(plan.ToPlan(), checkedAnswer.Tokens)
            : AgentOutcome<RemediationPlan>.Failure(checkedAnswer.FailureReason!, checkedAnswer.Tokens);
    }

    private static string Describe(RunbookCatalog catalog)
    {
        var text = new StringBuilder();
        foreach (var action in catalog.Actions)
        {
            text.AppendLine().Append("- ").Append(action.Id).Append(": ").Append(action.Description)
                .Append(" (for ").Append(string.Join(", ", action.AppliesTo)).Append(" hypotheses); parameters: ")
                .Append(string.Join(", ", action.Parameters.Values.Select(p =>
                    $"{p.Name} ({p.Type.ToString().ToLowerInvariant()}{(p.Required ? ", required" : "")}{(p.Min is { } min ? $", min {min}" : "")}{(p.Max is { } max ? $", max {max}" : "")})")));
        }

        return text.AppendLine().ToString();
    }
}

using Agents.Contracts;
using Agents.Contracts.Triage;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Hosting.Llm;

namespace Agents.Triage.Brain;

/// <summary>
/// Triage by a model (prompt <c>Prompts/triage.v1.md</c>): the alert goes as delimited data, the answer comes back as a
/// <see cref="TriageResult"/> and is checked before it is reported: a severity of the four, an error type of the known
/// ones, a start time not in the future. Anything else is an invalid output, reported as a failure with its reason so
/// that the orchestrator's retry and escalation policy applies. The service is never the model's: it is the one the
/// service catalog or the alert's labels identify (<see cref="ServiceResolver"/>), whatever the model wrote; an alert
/// that identifies none cannot be triaged, as with the rules.
/// </summary>
public sealed class LlmTriageBrain(StructuredChat chat, TimeProvider clock, ServiceCatalog catalog) : IAgentBrain<TriageIncident, TriageResult>
{
    public const string PromptFile = "triage.v1.md";

    private static readonly string[] ErrorTypes =
    [
        ErrorTypeClassifier.ErrorRate, ErrorTypeClassifier.Latency, ErrorTypeClassifier.Saturation,
        ErrorTypeClassifier.Availability, ErrorTypeClassifier.Unknown,
    ];

    private readonly string _instructions = Prompts.Load(PromptFile);

    public string Kind => "llm";

    public async Task<AgentOutcome<TriageResult>> DecideAsync(TriageIncident command, CancellationToken cancellationToken)
    {
        if (ServiceResolver.Resolve(command.Alert, catalog) is not { } identity)
        {
            return RuleBasedTriageBrain.Decide(command.Alert, catalog);
        }

        List<PromptData> data = [new("alert", command.Alert)];
        if (command.PreviousFailure is { } previous)
        {
            data.Add(new("previous-attempt-failure", previous));
        }

        var answer = await chat.AskAsync<TriageResult>(_instructions, data, cancellationToken);
        var checkedAnswer = answer.Checked(Check);
        return checkedAnswer.Result is { } result
            ? AgentOutcome<TriageResult>.Success(result with { Service = identity.Service, CatalogMatch = identity.CatalogMatch }, checkedAnswer.Tokens)
            : checkedAnswer;
    }

    private string? Check(TriageResult result)
    {
        if (!Severities.All.Contains(result.Severity))
        {
            return $"severity '{result.Severity}' is not one of {string.Join(", ", Severities.All)}";
        }

        if (!ErrorTypes.Contains(result.ErrorType))
        {
            return $"error type '{result.ErrorType}' is not one of {string.Join(", ", ErrorTypes)}";
        }

        if (string.IsNullOrWhiteSpace(result.Summary) || string.IsNullOrWhiteSpace(result.Rationale))
        {
            return "summary and rationale must not be empty";
        }

        return result.OccurredAt > clock.GetUtcNow().AddMinutes(5)
            ? $"occurredAt {result.OccurredAt:O} is in the future"
            : null;
    }
}

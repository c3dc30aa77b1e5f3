using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using Agents.Hosting.Llm;

namespace Agents.Hosting.Participants;

/// <summary>
/// A participant that judges with a model (prompt <c>Prompts/&lt;participant&gt;.v1.md</c> in its service). The subject and
/// the others' stances of the round before go as delimited data, never as instructions; the answer is a
/// <see cref="StanceDecision"/>, checked before it is sent: a decision the deliberation allows (or <c>undecided</c>), a
/// reason, a confidence between 0 and 1. An unusable answer is a failure with the reason, which the participant sends as
/// an undecided stance (the round goes on without it rather than counting a guess).
/// </summary>
public sealed class LlmParticipantBrain<TParticipant>(StructuredChat chat) : IParticipantBrain<TParticipant>
    where TParticipant : IParticipant
{
    public static string PromptFile => $"{TParticipant.Name}.v1.md";

    private readonly string _instructions = Prompts.Load(PromptFile);

    public string Kind => "llm";

    public async Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken)
    {
        List<PromptData> data =
        [
            new("deliberation", new { request.Kind, request.Round, request.Summary, allowedDecisions = Allowed(request) }),
            new("subject", request.Subject),
            new("other-stances-previous-round", request.OtherStances),
        ];
        var answer = await chat.AskAsync<StanceDecision>(_instructions, data, cancellationToken);
        var outcome = answer.Checked(stance => Check(stance, request));
        return outcome.Result is { } stance
            ? AgentOutcome<StanceDecision>.Success(stance with { Decision = stance.Decision.Trim().ToLowerInvariant() }, outcome.Tokens)
            : outcome;
    }

    private static IReadOnlyList<string> Allowed(StanceRequested request) =>
        request.Decisions.Count == 0 ? [] : [.. request.Decisions, Stance.Undecided];

    private static string? Check(StanceDecision stance, StanceRequested request)
    {
        var decision = stance.Decision?.Trim().ToLowerInvariant() ?? "";
        if (decision.Length == 0 || (request.Decisions.Count > 0 && !Allowed(request).Contains(decision)))
        {
            return $"decision '{stance.Decision}' is not one of {string.Join(", ", Allowed(request))}";
        }

        if (string.IsNullOrWhiteSpace(stance.Reason))
        {
            return "the reason is empty";
        }

        return double.IsNaN(stance.Confidence) || stance.Confidence is < 0 or > 1
            ? $"confidence {stance.Confidence} is not between 0 and 1"
            : null;
    }
}

using System.Globalization;
using System.Text.Json;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Hosting.Agents;
using Agents.Hosting.Evidence;
using Agents.Hosting.Llm;
using Microsoft.Extensions.Options;

namespace Agents.Investigation.Brain;

/// <summary>
/// Investigation by a model (prompt <c>Prompts/investigation.v1.md</c>): the triage and the context go as delimited
/// data, and on a retry the reason the previous attempt was rejected (the orchestrator's contradiction check included).
/// The hypothesis is checked before it is reported: a known category, a confidence in 0..1, evidence of a known kind
/// inside the context's window, and versions that are in the deploy history. Anything else is an invalid output.
/// </summary>
public sealed class LlmInvestigationBrain(StructuredChat chat, IOptions<InvestigationOptions>? options = null) : IAgentBrain<InvestigateIncident, Hypothesis>
{
    public const string PromptFile = "investigation.v1.md";

    private static readonly IReadOnlyList<string> Categories = HypothesisCategories.All;

    private static readonly IReadOnlyList<string> EvidenceKinds = Evidence.Kinds;

    private readonly string _instructions = Prompts.Load(PromptFile);

    public string Kind => "llm";

    public async Task<AgentOutcome<Hypothesis>> DecideAsync(InvestigateIncident command, CancellationToken cancellationToken)
    {
        List<PromptData> data = [new("triage", command.Triage), new("context", WithinBudget(command))];
        if (command.PreviousFailure is { } previous)
        {
            data.Add(new("previous-attempt-failure", previous));
        }

        var answer = await chat.AskAsync<Hypothesis>(_instructions, data, cancellationToken);
        return answer.Checked(hypothesis => Check(hypothesis, command));
    }

    /// <summary>
    /// The context cut to what the input budget leaves after the instructions, the triage and a previous failure
    /// (<see cref="InvestigationOptions.MaxInputTokens"/>, 4 characters a token), never below 4 KiB.
    /// </summary>
    private IncidentContext WithinBudget(InvestigateIncident command)
    {
        var budgetChars = (long)(options?.Value ?? new InvestigationOptions()).MaxInputTokens * CharactersPerToken;
        var fixedChars = _instructions.Length + JsonSerializer.Serialize(command.Triage).Length + (command.PreviousFailure?.Length ?? 0);
        var room = (int)Math.Clamp(budgetChars - fixedChars, MinimumContextBytes, int.MaxValue);
        return ContextSizeLimiter.Limit(command.Context, room);
    }

    private const int CharactersPerToken = 4;
    private const int MinimumContextBytes = 4096;

    private static string? Check(Hypothesis hypothesis, InvestigateIncident command)
    {
        if (!Categories.Contains(hypothesis.Category))
        {
            return $"category '{hypothesis.Category}' is not one of {string.Join(", ", Categories)}";
        }

        if (double.IsNaN(hypothesis.Confidence) || hypothesis.Confidence is < 0 or > 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"confidence {hypothesis.Confidence} is not between 0 and 1");
        }

        if (hypothesis.Evidence.Count == 0)
        {
            return "the hypothesis has no evidence";
        }

        var (from, to) = (command.Context.WindowStart, command.Context.WindowEnd);
        foreach (var evidence in hypothesis.Evidence)
        {
            if (!EvidenceKinds.Contains(evidence.Kind))
            {
                return $"evidence kind '{evidence.Kind}' is not one of {string.Join(", ", EvidenceKinds)}";
            }

            if (evidence.ObservedAt is { } at && (at < from || at > to))
            {
                return $"evidence '{evidence.Description}' observed at {at:O} is outside the context's window {from:O}..{to:O}";
            }
        }

        var versions = command.Context.RecentDeploys.SelectMany(d => new[] { d.Version, d.PreviousVersion }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (name, version) in new[] { ("suspectVersion", hypothesis.SuspectVersion), ("lastGoodVersion", hypothesis.LastGoodVersion) })
        {
            if (version is not null && !versions.Contains(version))
            {
                return $"{name} '{version}' is not a version in the context's deploys";
            }
        }

        return null;
    }
}

using Agents.Contracts.Notification;
using Agents.Hosting.Agents;
using Agents.Hosting.Llm;

namespace Agents.Notification.Brain;

/// <summary>The part of a notification the model writes.</summary>
public sealed record NotificationText
{
    public required string Title { get; init; }

    public required string Summary { get; init; }
}

/// <summary>
/// Notification text by a model (prompt <c>Prompts/notification.v1.md</c>): the rules decide kind, priority and
/// channels and write a draft; the model rewrites title and summary from the incident (delimited data). A notification
/// must go out without the model, so any model failure falls back to the rules' text (logging why): the call failing
/// (down, timed out, throttled past its retries: anything but the consumer's own cancellation), a refusal, an answer
/// cut short, filtered or not the asked JSON, an empty or multi-line or too long title, an empty or overlong summary;
/// the tokens are counted whenever the provider reported them.
/// </summary>
public sealed partial class LlmNotificationWriter(NotificationWriter rules, StructuredChat chat, ILogger<LlmNotificationWriter> logger)
    : INotificationWriter
{
    public const string PromptFile = "notification.v1.md";
    public const int MaxSummaryLength = 4000;

    private readonly string _instructions = Prompts.Load(PromptFile);

    public string Kind => "llm";

    public async Task<AgentOutcome<NotificationRecord>> DecideAsync(NotifyIncident command, CancellationToken cancellationToken)
    {
        var draft = rules.Write(command);
        if (draft.Result is not { } record)
        {
            return draft;
        }

        LlmAnswer<NotificationText> answer;
        try
        {
            answer = await chat.AskAsync<NotificationText>(_instructions,
                [new("incident", command.Incident), new("kind", command.Kind), new("reason", command.Reason ?? ""), new("draft", record)],
                cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The model is down, slow or throttled past its retries: the page still goes out, in the rules' words.
            ModelFailed(logger, e, command.IncidentId, e.Message.Split('\n', 2)[0]);
            return draft;
        }

        var problem = answer.Value is { } text && answer.Failed is null ? Check(text) : answer.Problem;
        if (problem is not null)
        {
            RulesTextKept(logger, command.IncidentId, problem);
            return AgentOutcome<NotificationRecord>.Success(record, answer.Tokens);
        }

        return AgentOutcome<NotificationRecord>.Success(
            record with { Title = answer.Value!.Title.Trim(), Summary = answer.Value.Summary.Trim() }, answer.Tokens);
    }

    private static string? Check(NotificationText text) =>
        string.IsNullOrWhiteSpace(text.Title) || text.Title.Contains('\n') || text.Title.Trim().Length > NotificationWriter.MaxTitleLength
            ? $"the title must be one non-empty line of at most {NotificationWriter.MaxTitleLength} characters"
            : string.IsNullOrWhiteSpace(text.Summary) || text.Summary.Length > MaxSummaryLength
                ? $"the summary must be non-empty and at most {MaxSummaryLength} characters"
                : null;

    [LoggerMessage(LogLevel.Warning, "notification of incident {IncidentId}: the model could not be asked ({Problem}); the rules' text is sent")]
    private static partial void ModelFailed(ILogger logger, Exception exception, Guid incidentId, string problem);

    [LoggerMessage(LogLevel.Warning, "notification of incident {IncidentId}: the model's text was not usable ({Problem}); the rules' text is sent")]
    private static partial void RulesTextKept(ILogger logger, Guid incidentId, string problem);
}

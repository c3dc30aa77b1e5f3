using Agents.Testing;
using Agents.Brains.Tests.Support;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Hosting.Llm;
using Agents.Notification.Brain;
using Microsoft.Extensions.Logging.Abstractions;

namespace Agents.Brains.Tests.Llm;

/// <summary>Notification text by a model: the real SDK against a fake Azure OpenAI server; the rules keep the rest.</summary>
public sealed class LlmNotificationWriterTests
{
    private static readonly NotifyIncident Command = new()
    {
        IncidentId = Samples.IncidentId,
        Attempt = 1,
        Kind = NotificationKinds.Escalation,
        Reason = "investigation failed after 2 attempt(s): rate limited",
        Incident = new IncidentSnapshot
        {
            IncidentId = Samples.IncidentId, Status = IncidentStatuses.Escalated, Fingerprint = "a3f1c2d4e5b60718", AlertCount = 1,
            Alert = Samples.Alert(), Triage = Samples.Triage(), CreatedAt = Samples.AlertTime,
        },
    };

    private static LlmNotificationWriter Writer(FakeAzureOpenAI fake) => new(
        new NotificationWriter(TimeProvider.System),
        new StructuredChat(LlmClients.Create(new LlmOptions { Endpoint = fake.Endpoint, Deployment = "notification", ApiKey = "k", MaxRetries = 0 })),
        NullLogger<LlmNotificationWriter>.Instance);

    [Fact]
    public async Task The_model_writes_title_and_summary_and_the_rules_keep_kind_priority_and_channels()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(new NotificationText
        {
            Title = "[critical] auth-service: 5xx at 23%, investigation could not finish, please take over",
            Summary = "auth-service returns 23% 5xx since 02:13.\nThe investigation was rate limited twice; nothing was changed.",
        }, promptTokens: 700, completionTokens: 90);

        var outcome = await Writer(fake).DecideAsync(Command, default);

        var record = Assert.IsType<NotificationRecord>(outcome.Result);
        Assert.Equal("[critical] auth-service: 5xx at 23%, investigation could not finish, please take over", record.Title);
        Assert.StartsWith("auth-service returns 23% 5xx", record.Summary);
        Assert.Equal((NotificationKinds.Escalation, "page"), (record.Kind, record.Priority));
        Assert.Contains("pager", record.Channels);
        Assert.Equal(790, outcome.Tokens.Total);
        var data = fake.Requests.Single().Body["messages"]![1]!["content"]!.GetValue<string>();
        Assert.Contains("<data name=\"incident\">", data);
        Assert.Contains("<data name=\"reason\">\"investigation failed after 2 attempt(s): rate limited\"</data>", data);
        Assert.Contains("<data name=\"draft\">", data);
    }

    [Theory]
    [InlineData("""{"title":"two\nlines","summary":"s"}""")]
    [InlineData("""{"title":"","summary":"s"}""")]
    [InlineData("""{"title":"t"}""")]
    [InlineData("not json at all")]
    public async Task An_unusable_answer_still_pages_with_the_rules_text_and_counts_the_tokens(string content)
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswer(content, promptTokens: 30, completionTokens: 5);
        var rules = new NotificationWriter(TimeProvider.System).Write(Command).Result!;

        var outcome = await Writer(fake).DecideAsync(Command, default);

        var record = Assert.IsType<NotificationRecord>(outcome.Result);
        Assert.Equal(rules.Title, record.Title);
        Assert.Equal(rules.Summary, record.Summary);
        Assert.Equal("page", record.Priority);
        Assert.Equal(35, outcome.Tokens.Total);
    }
}

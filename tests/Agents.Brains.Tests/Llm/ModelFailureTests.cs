using System.ClientModel;
using System.Diagnostics;
using System.Net;
using Agents.Brains.Tests.Support;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Triage;
using Agents.Hosting.Llm;
using Agents.Notification.Brain;
using Agents.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Agents.Brains.Tests.Llm;

/// <summary>
/// What a real provider answers besides a good answer, through the real SDK against the fake: refusals fail at once
/// with the provider's code (one call, no retry), throttling is waited out as asked within the budget, answers cut
/// short, filtered or refused are reported as such; and the request carries the configured model, temperature and budget.
/// </summary>
public sealed class ModelFailureTests
{
    private static readonly TriageResult Triage = new()
    {
        Severity = "critical", Service = "auth-service", ErrorType = "error-rate", OccurredAt = new DateTimeOffset(2026, 11, 24, 2, 13, 0, TimeSpan.Zero),
        Summary = "auth-service 5xx error rate is 23%", Rationale = "5xx above 20% for 5 minutes",
    };

    private static LlmOptions Options(FakeAzureOpenAI fake, int retries = 3, double timeoutSeconds = 10) => new()
    {
        Endpoint = fake.Endpoint, Deployment = "triage-gpt4o", ApiKey = "test-key-not-a-secret", MaxRetries = retries,
        Timeout = TimeSpan.FromSeconds(timeoutSeconds),
    };

    private static Task<LlmAnswer<TriageResult>> Ask(LlmOptions options, object? alert = null, string instructions = "Classify the alert.") =>
        new StructuredChat(LlmClients.Create(options), options).AskAsync<TriageResult>(
            instructions, [new PromptData("alert", alert ?? new { summary = "auth-service 5xx error rate is 23%" })], CancellationToken.None);

    [Fact]
    public async Task A_prompt_refused_by_the_content_filter_fails_at_once_with_the_providers_code_and_message_after_one_call()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenPromptFiltered();

        var answer = await Ask(Options(fake, retries: 3));

        Assert.Null(answer.Value);
        Assert.StartsWith("model refused the request: 400 content_filter: The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", answer.Failed);
        Assert.True(answer.Failed!.Length < 400, answer.Failed);
        Assert.DoesNotContain("test-key-not-a-secret", answer.Failed, StringComparison.Ordinal);
        Assert.Equal(TokenUsage.None, answer.Tokens);
        Assert.Single(fake.Requests);

        // Reported to the orchestrator as the step's failure, not as "invalid model output".
        var outcome = answer.Checked(_ => null);
        Assert.False(outcome.Succeeded);
        Assert.Equal(answer.Failed, outcome.FailureReason);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    public async Task Every_refusal_is_asked_once_and_reported_with_its_status_and_code(HttpStatusCode status)
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenStatus(status);

        var answer = await Ask(Options(fake, retries: 3));

        Assert.Equal($"model refused the request: {(int)status} {(int)status}: scripted {status}", answer.Failed);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task A_429_is_retried_after_its_retry_after_ms_and_then_answered()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenThrottled(retryAfterMs: 700).ThenAnswerJson(Triage);
        var clock = Stopwatch.StartNew();

        var answer = await Ask(Options(fake, retries: 3));

        Assert.Equal(Triage, answer.Value);
        Assert.Equal(2, fake.Requests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(650), $"retried after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_429_asking_for_a_wait_beyond_the_call_budget_is_not_retried_and_stays_a_transient_error()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenThrottled(retryAfterMs: 60_000).ThenAnswerJson(Triage);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Ask(Options(fake, retries: 3, timeoutSeconds: 2)));

        Assert.Equal(429, error.Status);
        Assert.Single(fake.Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"gave up after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_retry_after_is_capped()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), new LlmOptions().MaxRetryDelay);
        Assert.True(LlmRetryPolicy.IsTransient(429) && LlmRetryPolicy.IsTransient(503) && LlmRetryPolicy.IsTransient(408));
        Assert.False(LlmRetryPolicy.IsTransient(400) || LlmRetryPolicy.IsTransient(401) || LlmRetryPolicy.IsTransient(404));
    }

    [Fact]
    public async Task An_answer_cut_at_the_output_budget_is_reported_as_such_and_its_tokens_counted()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenFinish("length", """{"severity":"critical","summ""", promptTokens: 900, completionTokens: 2000);

        var answer = await Ask(Options(fake));

        Assert.Equal("the model ran out of output tokens (finish_reason length, 2000 tokens)", answer.Failed);
        Assert.Equal(new TokenUsage { InputTokens = 900, OutputTokens = 2000 }, answer.Tokens);
        Assert.Equal("the model ran out of output tokens (finish_reason length, 2000 tokens)", answer.Checked(_ => null).FailureReason);
    }

    [Fact]
    public async Task A_filtered_answer_is_reported_as_filtered()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenFinish("content_filter");

        var answer = await Ask(Options(fake));

        Assert.Equal("the model's answer was filtered (finish_reason content_filter)", answer.Failed);
        Assert.Equal(160, answer.Tokens.Total);
    }

    [Fact]
    public async Task A_refusal_by_the_model_is_reported_with_its_text()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenRefusal("I can't help with that");

        var answer = await Ask(Options(fake));

        Assert.Equal("the model refused: I can't help with that", answer.Failed);
        Assert.Equal(128, answer.Tokens.Total);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task A_reasoning_model_is_asked_without_temperature_and_with_max_completion_tokens()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ReasoningDeployments.Add("triage-o3");
        fake.ThenAnswerJson(Triage);
        var options = Options(fake);
        options.Deployment = "triage-o3";

        // Sent with a temperature, the service refuses (as a reasoning deployment does) ...
        var refused = await Ask(options);
        Assert.Equal("model refused the request: 400 unsupported_parameter: Unsupported parameter: 'temperature' is not supported with this model.", refused.Failed);
        Assert.Equal(0, fake.Requests.First().Body["temperature"]!.GetValue<double>());

        // ... while with Llm__Reasoning the temperature stays out, and the budget goes as max_completion_tokens (a
        // reasoning deployment refuses max_tokens).
        options.Reasoning = true;
        var answer = await Ask(options);

        Assert.Equal(Triage, answer.Value);
        var request = fake.Requests.Last().Body;
        Assert.Null(request["temperature"]);
        Assert.Null(request["max_tokens"]);
        Assert.Equal(2000, request["max_completion_tokens"]!.GetValue<int>());
        Assert.Equal(2, fake.Requests.Count);
    }

    [Fact]
    public async Task A_reasoning_model_behind_an_OpenAI_compatible_endpoint_gets_max_completion_tokens_and_no_temperature()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ReasoningDeployments.Add("o4-mini");
        fake.ThenAnswerJson(Triage);

        var answer = await Ask(new LlmOptions { Provider = LlmOptions.OpenAIProvider, Endpoint = fake.OpenAIEndpoint, Model = "o4-mini", Reasoning = true });

        Assert.Equal(Triage, answer.Value);
        var request = Assert.Single(fake.Requests).Body;
        Assert.Null(request["temperature"]);
        Assert.Equal(2000, request["max_completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_Azure_api_version_is_the_SDKs_newest_unless_Llm_ApiVersion_names_another_it_knows()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Triage);
        var options = Options(fake);

        await Ask(options);
        options.ApiVersion = "2024-10-21";
        await Ask(options);

        Assert.Equal([LlmOptions.DefaultApiVersion, "2024-10-21"], fake.Requests.Select(r => r.ApiVersion));
        Assert.Contains(LlmOptions.DefaultApiVersion, LlmClients.AzureApiVersions);
        options.ApiVersion = "2023-05-15";
        var error = Assert.Throws<InvalidOperationException>(() => LlmClients.Create(options));
        Assert.StartsWith("Llm__ApiVersion '2023-05-15' is not an Azure OpenAI api-version this build can send; use one of 2024-06-01, ", error.Message);
    }

    [Fact]
    public async Task A_prompt_over_the_deployments_context_is_refused_at_once_and_the_prompt_budget_keeps_it_under()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ContextWindowTokens = 4_000;
        fake.ThenAnswerJson(Triage);
        var alert = new { summary = new string('x', 3_000_000) };
        var options = Options(fake);

        // The default budget (20,000 characters of one piece of data, about 5,000 tokens) is more than this deployment takes ...
        var refused = await Ask(options, alert);
        Assert.StartsWith("model refused the request: 400 context_length_exceeded: This model's maximum context length is 4000 tokens. However, your messages resulted in ",
            refused.Failed);
        Assert.Single(fake.Requests);

        // ... a budget sized for it is not.
        options.MaxDataCharacters = 12_000;
        var answer = await Ask(options, alert);
        Assert.Equal(Triage, answer.Value);
    }

    [Fact]
    public async Task A_parameter_the_service_does_not_know_is_refused_and_none_of_ours_is_one()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Triage);
        var client = LlmClients.Create(Options(fake));

        // A body field the service does not know is refused by name ...
#pragma warning disable SCME0001 // the SDK's way to add a body field it does not model
        var raw = new OpenAI.Chat.ChatCompletionOptions();
        raw.Patch.Set("$.verbosity_level"u8, "high");
#pragma warning restore SCME0001
        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(
            [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "hello")],
            new Microsoft.Extensions.AI.ChatOptions { RawRepresentationFactory = _ => raw }));
        Assert.Equal("model refused the request: 400 invalid_request_error: Unrecognized request argument supplied: verbosity_level", LlmRefusal.Reason(error));

        // ... while everything a brain sends is known, including the prompt's name, which stays out of the request.
        var answer = await Ask(Options(fake), instructions: Prompts.Load("triage.v1.md"));
        Assert.Equal(Triage, answer.Value);
        Assert.Equal("triage.v1", answer.Tokens.Prompt);
    }

    [Fact]
    public async Task An_empty_temperature_is_left_out_and_a_set_one_is_sent()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Triage);
        var options = Options(fake);

        options.Temperature = null;
        await Ask(options);
        options.Temperature = 0.7;
        options.MaxOutputTokens = 500;
        await Ask(options);

        Assert.Null(fake.Requests.First().Body["temperature"]);
        var second = fake.Requests.Last().Body;
        Assert.Equal(0.7, second["temperature"]!.GetValue<double>(), 3);
        Assert.Equal(500, second["max_completion_tokens"]!.GetValue<int>());
        Assert.Null(second["max_tokens"]);
    }

    [Fact]
    public async Task Llm_Model_names_the_model_of_an_OpenAI_compatible_endpoint()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Triage);
        var options = new LlmOptions
        {
            Provider = LlmOptions.OpenAIProvider, Endpoint = fake.OpenAIEndpoint, Model = "gpt-4.1-mini", Deployment = "not-this-one", MaxRetries = 0,
        };

        var answer = await Ask(options);

        Assert.True(options.IsConfigured);
        Assert.Equal(Triage, answer.Value);
        Assert.Equal("gpt-4.1-mini", Assert.Single(fake.Requests).Body["model"]!.GetValue<string>());
        Assert.True(new LlmOptions { Provider = LlmOptions.OpenAIProvider, Endpoint = fake.OpenAIEndpoint, Model = "m" }.IsConfigured);
    }

    [Fact]
    public void Each_piece_of_data_and_the_whole_prompt_are_cut_with_a_visible_marker_inside_their_element()
    {
        var huge = new string('x', 3_000_000);

        var text = PromptData.Render([new("alert", new { summary = huge }), new("logs", "short"), new("deploys", new string('d', 50_000))],
            maxDataCharacters: 20_000, maxPromptCharacters: 30_000);

        var elements = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, elements.Length);
        Assert.StartsWith("<data name=\"alert\">{\"summary\":\"xxx", elements[0]);
        Assert.EndsWith("…[truncated 2,980,014 characters]</data>", elements[0]);
        Assert.Equal("<data name=\"logs\">\"short\"</data>", elements[1]);
        Assert.Matches(@"^<data name=""deploys"">""d+…\[truncated [\d,]+ characters\]</data>$", elements[2]);
        Assert.InRange(text.Length, 30_000, 30_200);
    }

    [Fact]
    public async Task The_user_prompt_is_bounded_by_default_and_the_prompts_version_is_on_the_chat_span()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Triage);
        // Other tests call models at the same time: only the chat spans under this test's own root span count.
        using var testSource = new ActivitySource($"Agents.Tests.{Guid.NewGuid():N}");
        var tags = new System.Collections.Concurrent.ConcurrentQueue<object?>();
        ActivityTraceId? trace = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == LlmClients.ActivitySource || source == testSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == LlmClients.ActivitySource && activity.TraceId == trace)
                {
                    tags.Enqueue(activity.GetTagItem(LlmClients.PromptTag));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        LlmAnswer<TriageResult> answer;
        using (var root = testSource.StartActivity("test"))
        {
            trace = root!.TraceId;
            answer = await Ask(Options(fake), new { summary = new string('x', 3_000_000) }, Prompts.Load("triage.v1.md"));
        }

        Assert.Equal(Triage, answer.Value);
        var request = Assert.Single(fake.Requests).Body;
        var data = request["messages"]![1]!["content"]!.GetValue<string>();
        Assert.InRange(data.Length, 20_000, 20_100);
        Assert.Contains("…[truncated 2,980,014 characters]</data>", data, StringComparison.Ordinal);
        Assert.Null(request[LlmClients.PromptProperty]);
        Assert.Equal("triage.v1", Assert.Single(tags));
        Assert.Equal("triage.v1", answer.Tokens.Prompt);
    }

    [Fact]
    public async Task The_notification_falls_back_to_the_rules_text_when_the_model_call_throws()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenStatus(HttpStatusCode.InternalServerError);
        var rules = new NotificationWriter(TimeProvider.System);
        var writer = new LlmNotificationWriter(rules,
            new StructuredChat(LlmClients.Create(new LlmOptions { Endpoint = fake.Endpoint, Deployment = "notification", ApiKey = "k", MaxRetries = 0 })),
            NullLogger<LlmNotificationWriter>.Instance);
        var command = Command();

        var outcome = await writer.DecideAsync(command, default);

        var record = Assert.IsType<NotificationRecord>(outcome.Result);
        Assert.Equal(rules.Write(command).Result!.Title, record.Title);
        Assert.Equal(rules.Write(command).Result!.Summary, record.Summary);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task The_notification_falls_back_to_the_rules_text_when_the_model_refuses()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenPromptFiltered();
        var rules = new NotificationWriter(TimeProvider.System);
        var writer = new LlmNotificationWriter(rules,
            new StructuredChat(LlmClients.Create(new LlmOptions { Endpoint = fake.Endpoint, Deployment = "notification", ApiKey = "k" })),
            NullLogger<LlmNotificationWriter>.Instance);
        var command = Command();

        var outcome = await writer.DecideAsync(command, default);

        Assert.Equal(rules.Write(command).Result!.Title, outcome.Result!.Title);
        Assert.Single(fake.Requests);
    }

    private static NotifyIncident Command() => new()
    {
        IncidentId = Samples.IncidentId,
        Attempt = 1,
        Kind = NotificationKinds.Escalation,
        Reason = "triage failed after 2 attempt(s): model refused the request: 400 content_filter",
        Incident = new IncidentSnapshot
        {
            IncidentId = Samples.IncidentId, Status = IncidentStatuses.Escalated, Fingerprint = "a3f1c2d4e5b60718", AlertCount = 1,
            Alert = Samples.Alert(), Triage = Samples.Triage(), CreatedAt = Samples.AlertTime,
        },
    };
}

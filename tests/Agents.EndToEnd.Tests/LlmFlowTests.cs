using System.Net;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Testing;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The system with every agent that can think with a model set to <c>Agent__Brain=llm</c>, all pointed at a fake Azure
/// OpenAI server in the tests (the real SDK in each service talks to it over HTTP). The SDK does not retry
/// (<c>Llm__MaxRetries=0</c>); remediation's model calls time out after <see cref="ModelTimeout"/>, so a slow model
/// fails its step in seconds, and every other agent's after <see cref="AnswerTimeout"/>.
/// </summary>
public sealed class LlmFixture : SystemFixture, IAsyncLifetime
{
    /// <summary>
    /// <c>Llm__Timeout</c> of the remediation agent: short enough that its step, whose 6 model calls all time out in
    /// the slow-model test, fails well within the step's 60 s timeout.
    /// </summary>
    public static readonly TimeSpan ModelTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>Llm__Timeout</c> of the other agents, whose model calls are all answered at once or refused: a first call
    /// of a cold process on a loaded 2-core machine must not time out and be asked again, which would change the calls
    /// and tokens the tests count.
    /// </summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    public LlmFixture()
        : this(FakeAzureOpenAI.Start().GetAwaiter().GetResult())
    {
    }

    private LlmFixture(FakeAzureOpenAI model)
        : base(["scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api"], new Dictionary<string, string>
        {
            ["Agent__Brain"] = "llm",
            ["Llm__Endpoint"] = model.Endpoint.ToString(),
            ["Llm__Deployment"] = "gpt-e2e",
            ["Llm__ApiKey"] = "e2e-key-not-a-secret",
            ["Llm__MaxRetries"] = "0",
            ["Llm__Timeout"] = AnswerTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        }, new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["remediation"] = new Dictionary<string, string>
            {
                ["Llm__Timeout"] = ModelTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            },
        }) => Model = model;

    internal FakeAzureOpenAI Model { get; }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Model.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LlmCollection : ICollectionFixture<LlmFixture>
{
    public const string Name = "llm";
}

[Collection(LlmCollection.Name)]
public sealed class LlmFlowTests(LlmFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task An_incident_thought_through_by_the_model_reinvestigates_an_invalid_answer_with_its_reason_and_counts_each_agents_tokens()
    {
        var service = $"billing-{Guid.NewGuid():N}"[..18];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v4.2.0", "v4.1.9", alertTime.AddMinutes(-7));
        system.Model.Responder = request =>
        {
            var prompt = request.Body["messages"]![0]!["content"]!.GetValue<string>();
            return prompt switch
            {
                _ when prompt.StartsWith("You are the triage agent", StringComparison.Ordinal) => Answer(new
                {
                    severity = "critical", service, errorType = "error-rate", occurredAt = alertTime,
                    summary = $"[critical] {service}: 5xx error rate is 23%", rationale = "5xx at 23% on a customer-facing service",
                }, 300, 50),
                // The first attempt's answer is cut short; the retry (its data says why the first failed) gets a valid one.
                _ when prompt.StartsWith("You are the investigation agent", StringComparison.Ordinal) =>
                    !Data(request).Contains("<data name=\"previous-attempt-failure\">", StringComparison.Ordinal)
                        ? Text("""{"category": "regression", "summary": """, 800, 20)
                        : Answer(new
                        {
                            category = "regression", summary = $"deploy v4.2.0 of {service} broke it", confidence = 0.9,
                            evidence = new[] { new { kind = "deploy", description = $"deploy of {service} v4.2.0", observedAt = alertTime.AddMinutes(-7) } },
                            suspectVersion = "v4.2.0", lastGoodVersion = "v4.1.9", errorsObserved = true,
                        }, 900, 120),
                _ when prompt.StartsWith("You are the remediation agent", StringComparison.Ordinal) => Answer(new
                {
                    actionId = "rollback", parameters = new[] { new { name = "service", value = service }, new { name = "to_version", value = "v4.1.9" } },
                    rationale = "v4.2.0 preceded the spike; v4.1.9 was good",
                }, 600, 60),
                _ when prompt.StartsWith("You are the notification agent", StringComparison.Ordinal) => Answer(new
                {
                    title = $"[critical] {service}: rolled back to v4.1.9 (dry run)", summary = "5xx at 23% after v4.2.0; rollback recorded.",
                }, 400, 80),
                _ => null,
            };
        };

        await system.PublishRaw(AgentQueues.AlertsExchange, IncidentFlowTests.Alertmanager(service, fingerprint, "critical", alertTime), "prometheus.critical");
        var incident = await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "a terminal status", TimeSpan.FromSeconds(90));

        SystemFixture.AssertHandedOverAfterDryRun(incident);
        Assert.Equal("v4.1.9", incident.Remediation?.Parameters["to_version"]);
        Assert.Equal($"[critical] {service}: rolled back to v4.1.9 (dry run)", incident.Notifications.Single().Title);

        // The invalid first hypothesis failed the step; the retry told the model why.
        var failed = Assert.Single(incident.Timeline, t => t.Step == IncidentSteps.Investigation && t.Event == "step failed");
        Assert.StartsWith("invalid model output: the model's answer is not a valid Hypothesis", failed.Detail);
        var retry = system.Model.Requests.Where(r => Prompt(r).StartsWith("You are the investigation agent", StringComparison.Ordinal)).ElementAt(1);
        Assert.Contains("<data name=\"previous-attempt-failure\">\"invalid model output: ", Data(retry));

        // Each agent's tokens, and the prompt version that produced its answer on record.
        var tokens = incident.Tokens;
        Assert.Equal(new TokenUsage { InputTokens = 300, OutputTokens = 50, Prompt = "triage.v1" }, tokens.ByAgent[IncidentSteps.Triage]);
        Assert.Equal(TokenUsage.None, tokens.ByAgent[IncidentSteps.Context]);
        Assert.Equal(new TokenUsage { InputTokens = 1700, OutputTokens = 140, Prompt = "investigation.v1" }, tokens.ByAgent[IncidentSteps.Investigation]);
        Assert.Equal(new TokenUsage { InputTokens = 600, OutputTokens = 60, Prompt = "remediation.v2" }, tokens.ByAgent[IncidentSteps.Remediation]);
        Assert.Equal(new TokenUsage { InputTokens = 400, OutputTokens = 80, Prompt = "notification.v1" }, tokens.ByAgent[IncidentSteps.Notification]);
        Assert.Equal(new TokenUsage { InputTokens = 900, OutputTokens = 120 }, tokens.Orchestration);
        output.WriteLine($"tokens: {JsonSerializer.Serialize(tokens, Json)}");
    }

    private static string Prompt(FakeAzureOpenAI.Request request) => request.Body["messages"]![0]!["content"]!.GetValue<string>();

    private static string Data(FakeAzureOpenAI.Request request) => request.Body["messages"]![1]!["content"]!.GetValue<string>();

    private static FakeAzureOpenAI.Reply Answer(object value, int input, int output) => Text(JsonSerializer.Serialize(value, Json), input, output);

    private static FakeAzureOpenAI.Reply Text(string content, int input, int output) =>
        new(HttpStatusCode.OK, FakeAzureOpenAI.Completion(content, input, output));
}

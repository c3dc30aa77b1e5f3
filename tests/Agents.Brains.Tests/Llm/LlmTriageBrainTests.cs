using Agents.Testing;
using Agents.Brains.Tests.Support;
using Agents.Contracts.Triage;
using Agents.Hosting.Agents;
using Agents.Hosting.Llm;
using Agents.Triage;
using Agents.Triage.Brain;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Llm;

/// <summary>The triage agent thinking with a model: the real SDK against a fake Azure OpenAI server.</summary>
public sealed class LlmTriageBrainTests
{
    private static TriageIncident Command(string? previousFailure = null) => new()
    {
        IncidentId = Samples.IncidentId, Attempt = previousFailure is null ? 1 : 2, Alert = Samples.Alert(severity: "critical"),
        PreviousFailure = previousFailure,
    };

    private static LlmTriageBrain Brain(FakeAzureOpenAI fake) => new(new StructuredChat(LlmClients.Create(new LlmOptions
    {
        Endpoint = fake.Endpoint, Deployment = "triage", ApiKey = "k", MaxRetries = 0,
    })), TimeProvider.System, Agents.Hosting.Catalog.ServiceCatalog.BuiltIn);

    [Fact]
    public async Task The_model_classifies_the_alert_from_the_versioned_prompt_and_reports_its_tokens()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Triage(), promptTokens: 400, completionTokens: 60);

        var outcome = await Brain(fake).DecideAsync(Command(), default);

        Assert.Equal(Samples.Triage(), outcome.Result);
        Assert.Equal(460, outcome.Tokens.Total);
        var messages = fake.Requests.Single().Body["messages"]!.AsArray();
        Assert.StartsWith("You are the triage agent", messages[0]!["content"]!.GetValue<string>());
        var data = messages[1]!["content"]!.GetValue<string>();
        Assert.StartsWith("<data name=\"alert\">", data);
        Assert.Contains("auth-service", data);
        Assert.DoesNotContain("previous-attempt-failure", data);
    }

    [Fact]
    public async Task A_retry_gives_the_model_the_reason_the_previous_attempt_failed_as_data()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Triage());

        await Brain(fake).DecideAsync(Command("severity 'urgent' is not one of critical, high, medium, low"), default);

        var data = fake.Requests.Single().Body["messages"]![1]!["content"]!.GetValue<string>();
        Assert.Contains("<data name=\"previous-attempt-failure\">\"severity \\u0027urgent\\u0027 is not one of", data);
    }

    [Theory]
    [InlineData("urgent", "auth-service", "error-rate", "severity 'urgent' is not one of")]
    [InlineData("critical", "auth-service", "meltdown", "error type 'meltdown' is not one of")]
    public async Task An_answer_outside_what_triage_may_say_is_an_invalid_output(string severity, string service, string errorType, string reason)
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Triage() with { Severity = severity, Service = service, ErrorType = errorType }, 50, 20);

        var outcome = await Brain(fake).DecideAsync(Command(), default);

        Assert.Null(outcome.Result);
        Assert.StartsWith("invalid model output: ", outcome.FailureReason);
        Assert.Contains(reason, outcome.FailureReason);
        Assert.Equal(70, outcome.Tokens.Total);
    }

    [Fact]
    public async Task The_service_is_the_one_the_alert_identifies_never_the_one_the_model_wrote()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Triage() with { Service = "payments-db" }, 50, 20);

        var outcome = await Brain(fake).DecideAsync(Command(), default);

        Assert.Equal(Samples.Service, outcome.Result!.Service);
        Assert.Null(outcome.Result.CatalogMatch);
    }

    [Fact]
    public async Task Malformed_JSON_is_an_invalid_output_with_the_parse_error()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswer("""{"severity": "critical", "service": """);

        var outcome = await Brain(fake).DecideAsync(Command(), default);

        Assert.Contains("invalid model output: the model's answer is not a valid TriageResult", outcome.FailureReason);
    }

    [Fact]
    public void The_brain_is_chosen_by_configuration_and_the_llm_one_refuses_to_start_without_its_settings()
    {
        Assert.IsType<RuleBasedTriageBrain>(Build([]).GetRequiredService<IAgentBrain<TriageIncident, TriageResult>>());

        var unconfigured = Build(new() { ["Agent:Brain"] = "llm" });
        var error = Assert.Throws<OptionsValidationException>(() => unconfigured.GetRequiredService<IOptions<LlmOptions>>().Value);
        Assert.Contains("Llm__Endpoint, Llm__Deployment and Llm__ApiKey", error.Message);

        var configured = Build(new()
        {
            ["Agent:Brain"] = "llm", ["Llm:Endpoint"] = "http://127.0.0.1:9/", ["Llm:Deployment"] = "triage", ["Llm:ApiKey"] = "k",
        });
        Assert.Equal("llm", configured.GetRequiredService<IAgentBrain<TriageIncident, TriageResult>>().Kind);
    }

    private static IServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddTriage();
        return builder.Build().Services;
    }
}

using Agents.Testing;
using Agents.Brains.Tests.Support;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Hosting.Llm;
using Agents.Investigation.Brain;

namespace Agents.Brains.Tests.Llm;

/// <summary>Investigation by a model: the real SDK against a fake Azure OpenAI server.</summary>
public sealed class LlmInvestigationBrainTests
{
    private static readonly InvestigateIncident Command = Samples.Investigate(
        Samples.Context([Samples.Deploy("v7.4.2", 10, previous: "v7.4.1")], [Samples.Metric("error_rate", 0.23, anomalous: true)]));

    private static LlmInvestigationBrain Brain(FakeAzureOpenAI fake, InvestigationOptions? options = null) => new(
        new StructuredChat(LlmClients.Create(new LlmOptions { Endpoint = fake.Endpoint, Deployment = "investigation", ApiKey = "k", MaxRetries = 0 })),
        Microsoft.Extensions.Options.Options.Create(options ?? new InvestigationOptions()));

    [Fact]
    public async Task A_context_larger_than_the_input_budget_is_cut_before_it_is_sent_keeping_the_findings()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Regression());
        var start = Samples.AlertTime.AddHours(-2);
        var points = Enumerable.Range(0, 1000).Select(i => new SeriesPoint(start.AddSeconds(7 * i), i % 50 == 0 ? 0.3 : 0.01)).ToList();
        var series = Enumerable.Range(0, 8).Select(i => new MetricSeries
        {
            Service = i == 0 ? Samples.Service : $"dependency-{i}", Signal = MetricSignals.ErrorRatio, Source = "prometheus", Query = $"q{i}",
            From = start, To = Samples.AlertTime, Unit = "ratio", Baseline = 0.01, Peak = 0.3, Points = points,
            Step = new StepChange { At = Samples.AlertTime.AddMinutes(-9), Before = 0.01, After = 0.3, EffectSize = 12.5, Direction = "up" },
        }).ToList();
        var command = Command with { Context = Command.Context with { Series = series } };

        await Brain(fake, new InvestigationOptions { MaxInputTokens = 4000 }).DecideAsync(command, default);

        var data = fake.Requests.Single().Body["messages"]![1]!["content"]!.GetValue<string>();
        Assert.True(data.Length < 4000 * 4, $"{data.Length} characters sent for a 4000-token budget");
        Assert.True(System.Text.Json.JsonSerializer.Serialize(command.Context).Length > 4000 * 4 * 4, "the context was not larger than the budget to begin with");
        Assert.Contains("\"effectSize\":12.5", data);
        Assert.Contains("points of the dependencies", data);
        Assert.Contains("v7.4.2", data);
    }

    [Fact]
    public async Task The_model_explains_its_hypothesis_with_evidence_from_the_delimited_context()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Regression(), promptTokens: 1500, completionTokens: 200);

        var outcome = await Brain(fake).DecideAsync(Command, default);

        Assert.Equivalent(Samples.Regression(), outcome.Result, strict: true);
        Assert.Equal(1700, outcome.Tokens.Total);
        var messages = fake.Requests.Single().Body["messages"]!.AsArray();
        Assert.StartsWith("You are the investigation agent", messages[0]!["content"]!.GetValue<string>());
        var data = messages[1]!["content"]!.GetValue<string>();
        Assert.Contains("<data name=\"triage\">", data);
        Assert.Contains("<data name=\"context\">", data);
        Assert.Contains("v7.4.2", data);
    }

    [Fact]
    public async Task A_reinvestigation_carries_the_reason_the_previous_hypothesis_was_rejected()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(Samples.Regression());
        var retry = Command with { Attempt = 2, PreviousFailure = "contradiction: the hypothesis says no errors but the error rate is 23%" };

        await Brain(fake).DecideAsync(retry, default);

        var data = fake.Requests.Single().Body["messages"]![1]!["content"]!.GetValue<string>();
        Assert.Contains("<data name=\"previous-attempt-failure\">\"contradiction: the hypothesis says no errors but the error rate is 23%\"</data>", data);
    }

    public static TheoryData<Hypothesis, string> Invalid() => new()
    {
        { Samples.Regression() with { Category = "aliens" }, "category 'aliens' is not one of regression, capacity, dependency, known-issue, bad-config, certificate, disk, unknown" },
        { Samples.Regression() with { Confidence = 1.5 }, "confidence 1.5 is not between 0 and 1" },
        { Samples.Regression() with { Evidence = [] }, "the hypothesis has no evidence" },
        { Samples.Regression() with { Evidence = [new Evidence { Kind = "gut-feeling", Description = "trust me" }] }, "evidence kind 'gut-feeling'" },
        {
            Samples.Regression() with { Evidence = [new Evidence { Kind = "deploy", Description = "a deploy last week", ObservedAt = Samples.AlertTime.AddDays(-7) }] },
            "is outside the context's window"
        },
        { Samples.Regression(suspect: "v9.9.9"), "suspectVersion 'v9.9.9' is not a version in the context's deploys" },
        { Samples.Regression(lastGood: "v1.0.0"), "lastGoodVersion 'v1.0.0' is not a version in the context's deploys" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task A_hypothesis_the_data_does_not_support_is_an_invalid_output(Hypothesis answer, string reason)
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(answer);

        var outcome = await Brain(fake).DecideAsync(Command, default);

        Assert.Null(outcome.Result);
        Assert.StartsWith("invalid model output: ", outcome.FailureReason);
        Assert.Contains(reason, outcome.FailureReason);
    }
}

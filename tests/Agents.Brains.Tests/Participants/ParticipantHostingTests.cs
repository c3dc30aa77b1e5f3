using ParticipantNames = Agents.Contracts.Participants;
using Agents.Brains.Tests.Support;
using Agents.Coding;
using Agents.Coding.Brain;
using Agents.Contracts;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Llm;
using Agents.Hosting.Participants;
using Agents.Medical;
using Agents.Medical.Brain;
using Agents.Policy;
using Agents.Policy.Brain;
using Agents.Reviewers;
using Agents.Reviewers.Brain;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Agents.Brains.Tests.Participants.ClaimCases;

namespace Agents.Brains.Tests.Participants;

/// <summary>The participant services' wiring, and a participant thinking with a model (the real SDK against a fake Azure OpenAI server).</summary>
public sealed class ParticipantHostingTests
{
    private static LlmParticipantBrain<PolicyParticipant> LlmPolicy(FakeAzureOpenAI fake) => new(new StructuredChat(LlmClients.Create(new LlmOptions
    {
        Endpoint = fake.Endpoint, Deployment = "policy", ApiKey = "k", MaxRetries = 0,
    })));

    [Fact]
    public async Task The_model_brain_judges_from_the_policy_prompt_with_the_claim_and_the_others_stances_as_data()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(new StanceDecision("Pay", "coverage confirmed: gold covers 70553 on review", 0.7), promptTokens: 500, completionTokens: 30);
        var request = Request(Claim(priorAuthorization: false, notes: Injection), ParticipantNames.Policy,
            CodingStance(ClaimAdjudication.Pay, "code match confirmed: 70553 is consistent with G43.909"));

        var outcome = await LlmPolicy(fake).DecideAsync(request, default);

        Assert.Equal(new StanceDecision(ClaimAdjudication.Pay, "coverage confirmed: gold covers 70553 on review", 0.7), outcome.Result);
        Assert.Equal(530, outcome.Tokens.Total);
        var messages = fake.Requests.Single().Body["messages"]!.AsArray();
        var instructions = messages[0]!["content"]!.GetValue<string>();
        Assert.StartsWith("You are the policy participant", instructions, StringComparison.Ordinal);
        Assert.Contains(PromptData.Rule, instructions, StringComparison.Ordinal);
        var data = messages[1]!["content"]!.GetValue<string>();
        Assert.Contains("<data name=\"subject\">", data, StringComparison.Ordinal);
        Assert.Contains("CLM-T-1", data, StringComparison.Ordinal);
        Assert.Contains("<data name=\"other-stances-previous-round\">", data, StringComparison.Ordinal);
        Assert.Contains("code match confirmed", data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_decision_the_deliberation_does_not_allow_is_a_failure()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswerJson(new StanceDecision("approve", "looks fine", 0.9));

        var outcome = await LlmPolicy(fake).DecideAsync(Request(Claim(), ParticipantNames.Policy), default);

        Assert.Null(outcome.Result);
        Assert.StartsWith("invalid model output: decision 'approve' is not one of pay, deny, undecided", outcome.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_participant_has_its_versioned_prompt_next_to_the_binaries()
    {
        foreach (var name in ParticipantNames.All)
        {
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Prompts", $"{name}.v1.md")), $"Prompts/{name}.v1.md is missing");
        }
    }

    [Fact]
    public void Each_claim_service_takes_the_rule_brain_by_default_and_the_model_with_agent_brain_llm()
    {
        var llm = new Dictionary<string, string?>
        {
            ["Agent:Brain"] = "llm", ["Llm:Endpoint"] = "http://127.0.0.1:9/", ["Llm:Deployment"] = "d", ["Llm:ApiKey"] = "k",
        };

        Assert.IsType<RuleBasedPolicyBrain>(Build(b => b.AddPolicy()).GetRequiredService<IParticipantBrain<PolicyParticipant>>());
        Assert.IsType<RuleBasedCodingBrain>(Build(b => b.AddCoding()).GetRequiredService<IParticipantBrain<CodingParticipant>>());
        Assert.IsType<RuleBasedMedicalBrain>(Build(b => b.AddMedical()).GetRequiredService<IParticipantBrain<MedicalParticipant>>());
        Assert.IsType<LlmParticipantBrain<PolicyParticipant>>(Build(b => b.AddPolicy(), llm).GetRequiredService<IParticipantBrain<PolicyParticipant>>());
        Assert.IsType<LlmParticipantBrain<CodingParticipant>>(Build(b => b.AddCoding(), llm).GetRequiredService<IParticipantBrain<CodingParticipant>>());
        Assert.IsType<LlmParticipantBrain<MedicalParticipant>>(Build(b => b.AddMedical(), llm).GetRequiredService<IParticipantBrain<MedicalParticipant>>());
    }

    [Fact]
    public void The_reviewers_service_hosts_the_three_reviewers_with_their_settings_bound_from_configuration()
    {
        var services = Build(b => b.AddReviewers(), new()
        {
            ["Reviewers:FrozenServices:0"] = "auth-service",
            ["Reviewers:CriticalServices:0"] = "payments",
            ["Reviewers:CriticalServices:1"] = "checkout",
            ["Reviewers:CriticalConfidence"] = "0.95",
        });

        Assert.IsType<RuleBasedSafetyBrain>(services.GetRequiredService<IParticipantBrain<SafetyParticipant>>());
        Assert.IsType<RuleBasedChangePolicyBrain>(services.GetRequiredService<IParticipantBrain<ChangePolicyParticipant>>());
        Assert.IsType<RuleBasedBlastRadiusBrain>(services.GetRequiredService<IParticipantBrain<BlastRadiusParticipant>>());
        using var scope = services.CreateScope();
        Assert.NotNull(scope.ServiceProvider.GetService<ParticipantConsumer<SafetyParticipant>>());
        Assert.NotNull(scope.ServiceProvider.GetService<ParticipantConsumer<ChangePolicyParticipant>>());
        Assert.NotNull(scope.ServiceProvider.GetService<ParticipantConsumer<BlastRadiusParticipant>>());
        var options = services.GetRequiredService<IOptions<ReviewersOptions>>().Value;
        Assert.Equal(["auth-service"], options.FrozenServices);
        Assert.Equal(["payments", "checkout"], options.CriticalServices);
        Assert.Equal(0.95, options.CriticalConfidence);
        Assert.Equal(0.7, options.CriticalMinimumConfidence);
    }

    [Fact]
    public void Reviewer_settings_default_to_no_freezes_and_no_critical_services_and_bad_bars_stop_the_service()
    {
        var defaults = Build(b => b.AddReviewers()).GetRequiredService<IOptions<ReviewersOptions>>().Value;
        Assert.Empty(defaults.FrozenServices);
        Assert.Empty(defaults.CriticalServices);

        var inverted = Build(b => b.AddReviewers(), new() { ["Reviewers:CriticalMinimumConfidence"] = "0.95" });
        var error = Assert.Throws<OptionsValidationException>(() => inverted.GetRequiredService<IOptions<ReviewersOptions>>().Value);
        Assert.Contains("Reviewers__CriticalMinimumConfidence must not be above Reviewers__CriticalConfidence", error.Message, StringComparison.Ordinal);

        var outOfRange = Build(b => b.AddReviewers(), new() { ["Reviewers:Confidence"] = "1.5" });
        Assert.Throws<OptionsValidationException>(() => outOfRange.GetRequiredService<IOptions<ReviewersOptions>>().Value);
    }

    private static IServiceProvider Build(Action<WebApplicationBuilder> add, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        add(builder);
        return builder.Build().Services;
    }
}

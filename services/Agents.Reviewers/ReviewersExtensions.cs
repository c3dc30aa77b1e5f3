using Agents.Hosting.Participants;
using Agents.Reviewers.Brain;

namespace Agents.Reviewers;

public static class ReviewersExtensions
{
    /// <summary>
    /// The three incident-approval reviewers in one service, each on its own queue: safety, change-policy and
    /// blast-radius; rule-based, or the model with <c>Agent__Brain=llm</c> (prompts <c>Prompts/&lt;reviewer&gt;.v1.md</c>).
    /// The rules read the <c>Reviewers</c> section (<see cref="ReviewersOptions"/>), checked at start-up.
    /// </summary>
    public static WebApplicationBuilder AddReviewers(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ReviewersOptions>(ReviewersOptions.SectionName)
            .Validate(o => o.CriticalMinimumConfidence <= o.CriticalConfidence,
                "Reviewers__CriticalMinimumConfidence must not be above Reviewers__CriticalConfidence.");
        builder.AddParticipantBrain<SafetyParticipant, RuleBasedSafetyBrain, LlmParticipantBrain<SafetyParticipant>>();
        builder.AddParticipantBrain<ChangePolicyParticipant, RuleBasedChangePolicyBrain, LlmParticipantBrain<ChangePolicyParticipant>>();
        builder.AddParticipantBrain<BlastRadiusParticipant, RuleBasedBlastRadiusBrain, LlmParticipantBrain<BlastRadiusParticipant>>();
        builder.AddAgentsMessaging(x => x
            .AddParticipant<SafetyParticipant>()
            .AddParticipant<ChangePolicyParticipant>()
            .AddParticipant<BlastRadiusParticipant>());
        return builder;
    }
}

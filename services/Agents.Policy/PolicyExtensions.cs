using Agents.Policy.Brain;
using Agents.Hosting.Participants;

namespace Agents.Policy;

public static class PolicyExtensions
{
    /// <summary>
    /// The policy participant of claim adjudication: judges policy coverage (plan, network, limits, prior authorization), rule-based, or the model with
    /// <c>Agent__Brain=llm</c> (prompt <c>Prompts/policy.v1.md</c>).
    /// </summary>
    public static WebApplicationBuilder AddPolicy(this WebApplicationBuilder builder)
    {
        builder.AddParticipantBrain<PolicyParticipant, RuleBasedPolicyBrain, LlmParticipantBrain<PolicyParticipant>>();
        builder.AddAgentsMessaging(x => x.AddParticipant<PolicyParticipant>());
        return builder;
    }
}

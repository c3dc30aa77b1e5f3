using Agents.Coding.Brain;
using Agents.Hosting.Participants;

namespace Agents.Coding;

public static class CodingExtensions
{
    /// <summary>
    /// The coding participant of claim adjudication: judges code validity and consistency (CPT procedure against ICD-10-CM diagnoses), rule-based, or the model with
    /// <c>Agent__Brain=llm</c> (prompt <c>Prompts/coding.v1.md</c>).
    /// </summary>
    public static WebApplicationBuilder AddCoding(this WebApplicationBuilder builder)
    {
        builder.AddParticipantBrain<CodingParticipant, RuleBasedCodingBrain, LlmParticipantBrain<CodingParticipant>>();
        builder.AddAgentsMessaging(x => x.AddParticipant<CodingParticipant>());
        return builder;
    }
}

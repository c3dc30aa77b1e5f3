using Agents.Medical.Brain;
using Agents.Hosting.Participants;

namespace Agents.Medical;

public static class MedicalExtensions
{
    /// <summary>
    /// The medical participant of claim adjudication: judges medical necessity of the procedure for the diagnoses, rule-based, or the model with
    /// <c>Agent__Brain=llm</c> (prompt <c>Prompts/medical.v1.md</c>).
    /// </summary>
    public static WebApplicationBuilder AddMedical(this WebApplicationBuilder builder)
    {
        builder.AddParticipantBrain<MedicalParticipant, RuleBasedMedicalBrain, LlmParticipantBrain<MedicalParticipant>>();
        builder.AddAgentsMessaging(x => x.AddParticipant<MedicalParticipant>());
        return builder;
    }
}

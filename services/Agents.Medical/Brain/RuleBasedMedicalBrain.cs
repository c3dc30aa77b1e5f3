using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;

namespace Agents.Medical.Brain;

/// <summary>
/// The medical participant by fixed rules: is the procedure medically necessary for one of the claim's diagnoses,
/// according to <see cref="Table"/>? First match wins:
/// <list type="number">
/// <item>coding reported (the round before) that the claim is miscoded (<see cref="ClaimFindings.CodeMismatch"/> or
/// <see cref="ClaimFindings.InvalidCode"/> with deny): <b>deny</b>, necessity cannot rest on a miscoded claim; this is
/// how it changes its mind after a round-1 pay;</item>
/// <item>a procedure the table does not list: <b>undecided</b>;</item>
/// <item>a diagnosis for which the procedure is indicated: <b>pay</b> (<see cref="ClaimFindings.MedicalNecessityConfirmed"/>);</item>
/// <item>a diagnosis for which it is conditionally indicated (a symptom, not a finding): <b>undecided</b> in round 1,
/// <b>pay</b> once coding confirms the code match;</item>
/// <item>otherwise: <b>deny</b> (<see cref="ClaimFindings.NotMedicallyNecessary"/>).</item>
/// </list>
/// Clinical notes are free text from the provider: untrusted data that never decides anything here (whatever they say,
/// the rules read the coded fields only).
/// </summary>
public sealed class RuleBasedMedicalBrain : IParticipantBrain<MedicalParticipant>
{
    /// <summary>When a procedure is necessary: ICD-10-CM prefixes it is indicated for, and those it is conditionally indicated for.</summary>
    public sealed record Indication(string[] Indicated, string[] Conditional);

    public static IReadOnlyDictionary<string, Indication> Table { get; } = new Dictionary<string, Indication>
    {
        ["70553"] = new(["G40", "G35", "C71", "G43"], ["R51", "R42"]), // MRI brain: epilepsy, MS, neoplasm, migraine; headache, dizziness
        ["27447"] = new(["M17"], ["M25.56"]),                         // total knee arthroplasty: knee osteoarthritis; knee pain
        ["29881"] = new(["S83", "M23", "M17"], ["M25.56"]),           // knee arthroscopy: meniscus tear, derangement, osteoarthritis
        ["71046"] = new(["J18", "J20", "R05", "R06"], []),            // chest X-ray: pneumonia, bronchitis, cough, dyspnoea
        ["93000"] = new(["R00", "R07", "I10", "I48", "R55"], []),     // ECG: palpitations, chest pain, hypertension, AF, syncope
        ["97110"] = new(["M54", "M17", "S83", "M25"], []),            // therapeutic exercise: back pain, knee conditions, joint pain
    };

    public string Kind => "rules";

    public Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken) =>
        ParticipantRules.Judge(ClaimReader.ReadSubject(request.Subject), request, Decide);

    public static StanceDecision Decide(Claim claim, IReadOnlyList<Stance> others)
    {
        var procedure = claim.ProcedureCode.Trim();
        if (ParticipantRules.Find(others, ClaimAdjudication.Deny, ClaimFindings.CodeMismatch, ClaimFindings.InvalidCode) is { } miscoded)
        {
            return new(ClaimAdjudication.Deny, $"{ClaimFindings.NotMedicallyNecessary}: {miscoded.Participant} reports the claim is miscoded, "
                + $"so the necessity of {procedure} cannot be established", 0.7);
        }

        if (!Table.TryGetValue(procedure, out var indication))
        {
            return new(Stance.Undecided, $"cannot assess the necessity of {procedure}: it is not in the clinical table", 0.3);
        }

        var diagnoses = claim.DiagnosisCodes.Select(d => d.Trim().ToUpperInvariant()).ToList();
        if (diagnoses.FirstOrDefault(d => Matches(d, indication.Indicated)) is { } indicated)
        {
            return new(ClaimAdjudication.Pay, $"{ClaimFindings.MedicalNecessityConfirmed}: {procedure} is indicated for {indicated}", 0.85);
        }

        if (diagnoses.FirstOrDefault(d => Matches(d, indication.Conditional)) is { } conditional)
        {
            return ParticipantRules.Find(others, ClaimAdjudication.Pay, ClaimFindings.CodeMatchConfirmed) is { } coded
                ? new(ClaimAdjudication.Pay, $"{ClaimFindings.MedicalNecessityConfirmed}: {procedure} is reasonable for {conditional} "
                    + $"now that {coded.Participant} has checked the coding", 0.7)
                : new(Stance.Undecided, $"{procedure} may be necessary for the symptom {conditional}: waiting for the coding participant's check", 0.4);
        }

        var listed = diagnoses.Count == 0 ? "no diagnosis" : string.Join(", ", diagnoses);
        return new(ClaimAdjudication.Deny, $"{ClaimFindings.NotMedicallyNecessary}: {procedure} is not indicated for {listed}", 0.85);
    }

    private static bool Matches(string diagnosis, string[] prefixes) =>
        prefixes.Any(p => diagnosis.StartsWith(p, StringComparison.Ordinal));
}

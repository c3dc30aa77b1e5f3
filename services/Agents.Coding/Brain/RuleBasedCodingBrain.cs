using System.Text.RegularExpressions;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using Agents.Hosting.Participants;

namespace Agents.Coding.Brain;

/// <summary>
/// The coding participant by fixed rules: are the claim's codes well formed, and is the procedure (CPT) consistent with
/// its diagnoses (ICD-10-CM) according to <see cref="Table"/>? First match wins:
/// <list type="number">
/// <item>a malformed or missing procedure or diagnosis code: <b>deny</b> (<see cref="ClaimFindings.InvalidCode"/>);</item>
/// <item>a well-formed procedure the table does not list: <b>undecided</b> ("cannot verify code X");</item>
/// <item>the primary diagnosis is consistent with the procedure: <b>pay</b> (<see cref="ClaimFindings.CodeMatchConfirmed"/>);</item>
/// <item>only a secondary diagnosis is consistent: <b>undecided</b> in round 1; it changes its mind on medical's finding of
/// the round before: <b>pay</b> when medical confirms necessity, <b>deny</b> (<see cref="ClaimFindings.CodeMismatch"/>)
/// when medical finds the procedure not necessary;</item>
/// <item>no diagnosis is consistent: <b>deny</b> (<see cref="ClaimFindings.CodeMismatch"/>).</item>
/// </list>
/// Clinical notes are never read: codes are judged from the coded fields only.
/// </summary>
public sealed partial class RuleBasedCodingBrain : IParticipantBrain<CodingParticipant>
{
    /// <summary>The procedures the coding participant knows, with the ICD-10-CM prefixes each is consistent with.</summary>
    public static IReadOnlyDictionary<string, string[]> Table { get; } = new Dictionary<string, string[]>
    {
        ["70553"] = ["G43", "G40", "G35", "C71", "R51"], // MRI brain without and with contrast
        ["27447"] = ["M17"],                             // total knee arthroplasty
        ["29881"] = ["S83", "M23"],                      // knee arthroscopy with meniscectomy
        ["71046"] = ["J18", "J20", "R05", "R06"],        // chest X-ray, two views
        ["93000"] = ["R00", "R07", "I10", "I48", "R55"], // electrocardiogram
    };

    public string Kind => "rules";

    public Task<AgentOutcome<StanceDecision>> DecideAsync(StanceRequested request, CancellationToken cancellationToken) =>
        ParticipantRules.Judge(ClaimReader.ReadSubject(request.Subject), request, Decide);

    public static StanceDecision Decide(Claim claim, IReadOnlyList<Stance> others)
    {
        var procedure = claim.ProcedureCode.Trim();
        if (!ProcedureFormat().IsMatch(procedure))
        {
            return Deny($"{ClaimFindings.InvalidCode}: procedure '{procedure}' is not a CPT code (five digits, or four digits and F or T)", 0.95);
        }

        var diagnoses = claim.DiagnosisCodes.Select(d => d.Trim().ToUpperInvariant()).ToList();
        if (diagnoses.Count == 0)
        {
            return Deny($"{ClaimFindings.InvalidCode}: the claim has no diagnosis code", 0.95);
        }

        if (diagnoses.FirstOrDefault(d => !DiagnosisFormat().IsMatch(d)) is { } malformed)
        {
            return Deny($"{ClaimFindings.InvalidCode}: diagnosis '{malformed}' is not an ICD-10-CM code", 0.95);
        }

        if (!Table.TryGetValue(procedure, out var prefixes))
        {
            return new(Stance.Undecided, $"cannot verify code {procedure}: it is not in the coding table", 0.3);
        }

        var primary = diagnoses[0];
        if (Consistent(primary, prefixes))
        {
            return Pay($"{ClaimFindings.CodeMatchConfirmed}: {procedure} is consistent with {primary}", 0.9);
        }

        if (diagnoses.Skip(1).FirstOrDefault(d => Consistent(d, prefixes)) is { } secondary)
        {
            if (ParticipantRules.Find(others, ClaimAdjudication.Pay, ClaimFindings.MedicalNecessityConfirmed) is { } necessary)
            {
                return Pay($"{ClaimFindings.CodeMatchConfirmed}: {procedure} is consistent with secondary diagnosis {secondary}, "
                    + $"and {necessary.Participant} confirms it is necessary", 0.7);
            }

            if (ParticipantRules.Find(others, ClaimAdjudication.Deny, ClaimFindings.NotMedicallyNecessary) is { } unnecessary)
            {
                return Deny($"{ClaimFindings.CodeMismatch}: {procedure} is consistent only with secondary diagnosis {secondary}, "
                    + $"not with primary {primary}, and {unnecessary.Participant} finds it unnecessary", 0.75);
            }

            return new(Stance.Undecided, $"{procedure} is consistent only with secondary diagnosis {secondary}, not with primary {primary}: "
                + "waiting for the medical participant's finding", 0.4);
        }

        return Deny($"{ClaimFindings.CodeMismatch}: {procedure} is not consistent with {string.Join(", ", diagnoses)}", 0.9);
    }

    private static bool Consistent(string diagnosis, string[] prefixes) =>
        prefixes.Any(p => diagnosis.StartsWith(p, StringComparison.Ordinal));

    private static StanceDecision Pay(string reason, double confidence) => new(ClaimAdjudication.Pay, reason, confidence);

    private static StanceDecision Deny(string reason, double confidence) => new(ClaimAdjudication.Deny, reason, confidence);

    /// <summary>A CPT code: five digits (category I), or four digits and F or T (categories II and III).</summary>
    [GeneratedRegex("^[0-9]{4}[0-9FT]$")]
    private static partial Regex ProcedureFormat();

    /// <summary>An ICD-10-CM code: a letter (not U), a digit, a digit or letter, then optionally a dot and 1 to 4 more.</summary>
    [GeneratedRegex("^[A-TV-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$")]
    private static partial Regex DiagnosisFormat();
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Agents.Contracts.Deliberation;

namespace Agents.Contracts.Claims;

/// <summary>
/// Reads a claim as producers send it (JSON, camelCase) and checks its shape: required fields present and of the right
/// type, sizes bounded. It does not judge the claim (whether a code exists or the plan covers it is the participants'
/// work); it refuses what cannot be judged at all, with every problem named. Shared by the claim intake (a refused claim
/// goes to <c>claim-intake_error</c> with the reason) and <c>POST /claims</c> (a 400 with the reason).
/// </summary>
public static partial class ClaimReader
{
    public const int MaxIdLength = 64;
    public const int MaxCodeLength = 16;
    public const int MaxDiagnosisCodes = 12;
    public const int MaxClinicalNotesLength = 8000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The claim, or null with the problems (one line, <c>; </c>-separated) in <paramref name="error"/>.</summary>
    public static Claim? TryRead(JsonNode? json, out string? error)
    {
        if (json is not JsonObject root)
        {
            error = $"a claim must be a JSON object, not {Describe(json)}";
            return null;
        }

        var problems = new List<string>();
        var claimId = Text(root, "claimId", MaxIdLength, problems, required: true);
        if (claimId is not null && !IdPattern().IsMatch(claimId))
        {
            problems.Add($"claimId '{claimId}' may only hold letters, digits, '-', '_' and '.'");
        }

        var memberId = Text(root, "memberId", MaxIdLength, problems, required: true);
        var plan = Text(root, "plan", MaxIdLength, problems, required: true);
        var procedure = Text(root, "procedureCode", MaxCodeLength, problems, required: true);
        var diagnoses = Diagnoses(root, problems);
        var amount = Amount(root, problems);
        var serviceDate = ServiceDate(root, problems);
        var provider = Text(root, "providerId", MaxIdLength, problems, required: false);
        var inNetwork = Flag(root, "inNetwork", true, problems);
        var priorAuthorization = Flag(root, "priorAuthorization", false, problems);
        var notes = Text(root, "clinicalNotes", MaxClinicalNotesLength, problems, required: false);

        if (problems.Count > 0)
        {
            error = claimId is null || !IdPattern().IsMatch(claimId)
                ? $"claim refused: {string.Join("; ", problems)}"
                : $"claim {claimId} refused: {string.Join("; ", problems)}";
            return null;
        }

        error = null;
        return new Claim
        {
            ClaimId = claimId!,
            MemberId = memberId!,
            Plan = plan!.ToLowerInvariant(),
            ProcedureCode = procedure!.ToUpperInvariant(),
            DiagnosisCodes = diagnoses!,
            Amount = amount!.Value,
            ServiceDate = serviceDate!.Value,
            ProviderId = provider,
            InNetwork = inNetwork,
            PriorAuthorization = priorAuthorization,
            ClinicalNotes = notes,
        };
    }

    /// <summary>
    /// A deliberation's subject read as a claim, with the same checks, for the participants: the claim, or null and the
    /// problem (<c>the subject is not a claim: ...</c>).
    /// </summary>
    public static (Claim? Claim, string? Problem) ReadSubject(JsonElement subject)
    {
        if (subject.ValueKind != JsonValueKind.Object)
        {
            return (null, $"the subject is not a claim: expected a JSON object, got {subject.ValueKind}");
        }

        var claim = TryRead(JsonNode.Parse(subject.GetRawText()), out var error);
        return claim is null ? (null, $"the subject is not a claim: {error}") : (claim, null);
    }

    /// <summary>The deliberation that adjudicates <paramref name="claim"/> (its id derived from the claim id).</summary>
    public static StartDeliberation Adjudicate(Claim claim) => new()
    {
        DeliberationId = ClaimAdjudication.DeliberationId(claim.ClaimId),
        Kind = ClaimAdjudication.Kind,
        Subject = JsonSerializer.SerializeToElement(claim, Json),
        Summary = string.Create(CultureInfo.InvariantCulture,
            $"claim {claim.ClaimId}: procedure {claim.ProcedureCode} for {string.Join(", ", claim.DiagnosisCodes)}, {claim.Amount:0.00} on the {claim.Plan} plan, {claim.ServiceDate:yyyy-MM-dd}"),
    };

    private static string? Text(JsonObject root, string name, int maxLength, List<string> problems, bool required)
    {
        var node = root[name];
        if (node is null)
        {
            if (required)
            {
                problems.Add($"{name} is missing");
            }

            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            problems.Add($"{name} must be a string, not {Describe(node)}");
            return null;
        }

        var text = node.GetValue<string>().Trim();
        if (text.Length == 0)
        {
            if (required)
            {
                problems.Add($"{name} is empty");
            }

            return null;
        }

        if (text.Length > maxLength)
        {
            problems.Add($"{name} is longer than {maxLength} characters");
            return null;
        }

        return text;
    }

    private static List<string>? Diagnoses(JsonObject root, List<string> problems)
    {
        if (root["diagnosisCodes"] is not { } node)
        {
            problems.Add("diagnosisCodes is missing");
            return null;
        }

        if (node is not JsonArray array)
        {
            problems.Add($"diagnosisCodes must be an array of strings, not {Describe(node)}");
            return null;
        }

        if (array.Count is 0 or > MaxDiagnosisCodes)
        {
            problems.Add($"diagnosisCodes must hold 1 to {MaxDiagnosisCodes} codes, not {array.Count}");
            return null;
        }

        var codes = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is { } item && item.GetValueKind() == JsonValueKind.String
                && item.GetValue<string>().Trim() is { Length: > 0 and <= MaxCodeLength } code)
            {
                codes.Add(code.ToUpperInvariant());
            }
            else
            {
                problems.Add($"diagnosisCodes[{i}] must be a code of 1 to {MaxCodeLength} characters, not {Describe(array[i])}");
            }
        }

        return codes.Count == array.Count ? codes : null;
    }

    private static decimal? Amount(JsonObject root, List<string> problems)
    {
        if (root["amount"] is not { } node)
        {
            problems.Add("amount is missing");
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<decimal>(out var amount))
        {
            problems.Add($"amount must be a number, not {Describe(node)}");
            return null;
        }

        if (amount is <= 0 or > 100_000_000m)
        {
            problems.Add($"amount must be above 0 and at most 100000000, not {amount.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return amount;
    }

    private static DateOnly? ServiceDate(JsonObject root, List<string> problems)
    {
        if (root["serviceDate"] is not { } node)
        {
            problems.Add("serviceDate is missing");
            return null;
        }

        if (node.GetValueKind() == JsonValueKind.String
            && DateOnly.TryParseExact(node.GetValue<string>().Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        problems.Add($"serviceDate must be a date such as \"2026-11-20\", not {Describe(node)}");
        return null;
    }

    private static bool Flag(JsonObject root, string name, bool absent, List<string> problems)
    {
        var node = root[name];
        if (node is null)
        {
            return absent;
        }

        if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return node.GetValue<bool>();
        }

        problems.Add($"{name} must be true or false, not {Describe(node)}");
        return absent;
    }

    /// <summary>A value as a reason shows it: its JSON kind, with a short sample of a scalar.</summary>
    private static string Describe(JsonNode? node)
    {
        if (node is null)
        {
            return "null";
        }

        var kind = node.GetValueKind();
        if (kind is JsonValueKind.Object or JsonValueKind.Array)
        {
            return kind == JsonValueKind.Object ? "an object" : "an array";
        }

        var text = node.ToJsonString();
        return text.Length <= 40 ? text : $"{text[..40]}…";
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdPattern();
}

using System.Text.Json;
using Agents.Contracts.Claims;

namespace Agents.Medical.Brain;

/// <summary>Reads a deliberation's subject as a <see cref="Claim"/> (camelCase JSON), or says why it is not one.</summary>
public static class ClaimSubject
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { RespectNullableAnnotations = true };

    /// <summary>The claim, or null and the reason the subject is not a usable claim.</summary>
    public static (Claim? Claim, string? Problem) Read(JsonElement subject)
    {
        if (subject.ValueKind != JsonValueKind.Object)
        {
            return (null, $"the subject is not a claim: expected a JSON object, got {subject.ValueKind}");
        }

        Claim? claim;
        try
        {
            claim = subject.Deserialize<Claim>(Json);
        }
        catch (JsonException e)
        {
            return (null, $"the subject is not a claim: {e.Message}");
        }

        if (claim is null)
        {
            return (null, "the subject is not a claim: it is null");
        }

        var missing = new[] { ("claimId", claim.ClaimId), ("memberId", claim.MemberId), ("plan", claim.Plan), ("procedureCode", claim.ProcedureCode) }
            .Where(f => string.IsNullOrWhiteSpace(f.Item2))
            .Select(f => f.Item1)
            .ToList();
        return missing.Count > 0
            ? (null, $"the subject is not a claim: {string.Join(", ", missing)} empty")
            : (claim, null);
    }
}

namespace Agents.Contracts.Claims;

/// <summary>
/// A medical claim to adjudicate, as producers publish it (JSON, camelCase) to the <c>claims</c> exchange or
/// <c>POST /claims</c>. It is the subject of a <c>claim-adjudication</c> deliberation.
/// </summary>
public sealed record Claim
{
    /// <summary>The payer's id of the claim (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; at most 64): a repeated id is the same claim.</summary>
    public required string ClaimId { get; init; }

    public required string MemberId { get; init; }

    /// <summary>The member's plan, e.g. <c>gold</c>, <c>silver</c>, <c>bronze</c>.</summary>
    public required string Plan { get; init; }

    /// <summary>The procedure billed (a CPT code such as <c>70553</c>).</summary>
    public required string ProcedureCode { get; init; }

    /// <summary>The diagnoses (ICD-10-CM codes such as <c>G43.909</c>), the primary one first.</summary>
    public required IReadOnlyList<string> DiagnosisCodes { get; init; }

    /// <summary>The amount billed, in the plan's currency.</summary>
    public required decimal Amount { get; init; }

    public required DateOnly ServiceDate { get; init; }

    public string? ProviderId { get; init; }

    /// <summary>Whether the provider is in the plan's network.</summary>
    public bool InNetwork { get; init; } = true;

    /// <summary>Whether the payer authorized the procedure before it was done.</summary>
    public bool PriorAuthorization { get; init; }

    /// <summary>Free text from the provider: untrusted data, never instructions.</summary>
    public string? ClinicalNotes { get; init; }
}

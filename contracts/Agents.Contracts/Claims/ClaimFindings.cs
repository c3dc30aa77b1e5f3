namespace Agents.Contracts.Claims;

/// <summary>
/// The phrases the claim participants (policy, coding, medical) put in their reasons and look for in each other's
/// reasons of the round before: part of their protocol, so it lives with the claim contracts. A finding counts only when the stance that states
/// it also carries the matching decision (a confirmation with <c>pay</c>, an objection with <c>deny</c>), so that a
/// reason that merely mentions a phrase does not sway anyone.
/// </summary>
public static class ClaimFindings
{
    /// <summary>Coding (pay): the procedure code is consistent with the diagnosis.</summary>
    public const string CodeMatchConfirmed = "code match confirmed";

    /// <summary>Coding (deny): the procedure code is not consistent with the diagnoses.</summary>
    public const string CodeMismatch = "code mismatch";

    /// <summary>Coding (deny): a procedure or diagnosis code is malformed or missing.</summary>
    public const string InvalidCode = "invalid code";

    /// <summary>Medical (pay): the procedure is medically necessary for a diagnosis of the claim.</summary>
    public const string MedicalNecessityConfirmed = "medical necessity confirmed";

    /// <summary>Medical (deny): the procedure is not medically necessary for the claim's diagnoses.</summary>
    public const string NotMedicallyNecessary = "not medically necessary";

    /// <summary>Policy (pay): the member's plan covers the claim.</summary>
    public const string CoverageConfirmed = "coverage confirmed";

    /// <summary>Policy (deny): the member's plan does not cover the claim.</summary>
    public const string NotCovered = "not covered";
}

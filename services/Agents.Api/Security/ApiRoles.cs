namespace Agents.Api.Security;

/// <summary>
/// The API's roles. Each endpoint names the least role that may call it (<see cref="ApiSecurity.RequireRole{T}"/>);
/// higher roles include the lower ones: admin ⊃ operator ⊃ viewer. claims-reviewer is a viewer who also sees claims'
/// personal data (member id, clinical notes), which every other role sees redacted.
/// </summary>
public static class ApiRoles
{
    /// <summary>Reads incidents, deliberations, claims (redacted) and the error queues' counts.</summary>
    public const string Viewer = "viewer";

    /// <summary>A viewer who also re-runs, rolls back, acknowledges and resolves incidents, decides at a human approval gate and submits claims.</summary>
    public const string Operator = "operator";

    /// <summary>An operator who also reads, replays and purges dead letters and reads and verifies the audit trail.</summary>
    public const string Admin = "admin";

    /// <summary>A viewer who also sees claims' member ids and clinical notes.</summary>
    public const string ClaimsReviewer = "claims-reviewer";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin, ClaimsReviewer];

    /// <summary>The roles whose holders may call an endpoint that requires <paramref name="role"/>.</summary>
    public static IReadOnlyList<string> Satisfying(string role) => role switch
    {
        Viewer => All,
        Operator => [Operator, Admin],
        Admin => [Admin],
        ClaimsReviewer => [ClaimsReviewer],
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, $"not a role; use one of {string.Join(", ", All)}"),
    };
}

/// <summary>Endpoint metadata: the least role an endpoint requires (every API endpoint has one; start-up checks).</summary>
public sealed record RequiredRole(string Role);

/// <summary>Endpoint metadata: the endpoint is an operator action, audited under <paramref name="Action"/> whatever its outcome.</summary>
public sealed record AuditedAction(string Action);

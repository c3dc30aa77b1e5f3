using System.Security.Claims;

namespace Agents.Api.Security;

/// <summary>Who a request is, as the audit trail, the timeline and the rate limits name it.</summary>
public sealed record ApiIdentity(string Actor, IReadOnlyList<string> Roles, string Method)
{
    /// <summary>The claim with the identity's name in the audit trail: <c>apikey:&lt;name&gt;</c> or <c>oidc:&lt;user&gt;</c>.</summary>
    public const string ActorClaim = "agents:actor";

    /// <summary>The claim with how the identity was authenticated.</summary>
    public const string MethodClaim = "agents:auth";

    public const string ApiKeyMethod = "api-key";
    public const string OidcMethod = "oidc";
    public const string NoneMethod = "none";
    public const string DisabledMethod = "disabled";
    public const string Anonymous = "anonymous";

    public bool IsAuthenticated => Method != NoneMethod;

    public static ApiIdentity Of(ClaimsPrincipal user)
    {
        var identity = user.Identities.FirstOrDefault(i => i.IsAuthenticated && i.HasClaim(c => c.Type == ActorClaim));
        if (identity is null)
        {
            return new ApiIdentity(Anonymous, [], NoneMethod);
        }

        var roles = identity.FindAll(identity.RoleClaimType).Select(c => c.Value).Where(ApiRoles.All.Contains).Distinct().Order().ToList();
        return new ApiIdentity(identity.FindFirst(ActorClaim)!.Value, roles, identity.FindFirst(MethodClaim)?.Value ?? NoneMethod);
    }
}

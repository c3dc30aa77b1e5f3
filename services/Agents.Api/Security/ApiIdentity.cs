using System.Security.Claims;

namespace Agents.Api.Security;

/// <summary>Who a request is, as the audit trail, the timeline and the rate limits name it.</summary>
public sealed record ApiIdentity(string Actor, IReadOnlyList<string> Roles, string Method, string Subject)
{
    /// <summary>The prefix of the claims only the API sets; a token carrying one has it removed.</summary>
    public const string ClaimPrefix = "agents:";

    /// <summary>The claim with who the identity is for its rate limit (an OIDC user's issuer and subject); the actor when absent.</summary>
    public const string SubjectClaim = "agents:subject";

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
            return new ApiIdentity(Anonymous, [], NoneMethod, Anonymous);
        }

        var roles = identity.FindAll(identity.RoleClaimType).Select(c => c.Value).Where(ApiRoles.All.Contains).Distinct().Order().ToList();
        var actor = identity.FindFirst(ActorClaim)!.Value;
        return new ApiIdentity(actor, roles, identity.FindFirst(MethodClaim)?.Value ?? NoneMethod, identity.FindFirst(SubjectClaim)?.Value ?? actor);
    }
}

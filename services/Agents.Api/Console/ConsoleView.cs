using Agents.Api.Security;
using Microsoft.AspNetCore.Antiforgery;

namespace Agents.Api.OperatorConsole;

/// <summary>What every console page needs: who is signed in, with which roles, the form token, and a notice to show.</summary>
public sealed record ConsoleView(string Actor, IReadOnlyList<string> Roles, string CsrfField, string CsrfToken, string? Notice, string? Error)
{
    public bool SignedIn => Actor != ApiIdentity.Anonymous;

    /// <summary>Whether the signed-in person holds <paramref name="role"/> or a role above it (buttons are shown only then).</summary>
    public bool Can(string role) => ApiRoles.Satisfying(role).Any(Roles.Contains);

    public static ConsoleView Of(HttpContext http, string? notice = null, string? error = null)
    {
        var identity = ApiIdentity.Of(http.User);
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return new ConsoleView(identity.Actor, identity.Roles, tokens.FormFieldName, tokens.RequestToken ?? "", notice, error);
    }
}

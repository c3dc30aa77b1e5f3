using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources.Loki;

/// <summary>
/// Configuration section <c>Context:Sources:Loki</c> (<c>Context__Sources__Loki__Url</c> ...). Authentication is one of
/// a bearer token (<see cref="BearerToken"/>, e.g. a Grafana Cloud access policy token) or HTTP basic authentication
/// (<see cref="Username"/> and <see cref="Password"/>, e.g. a reverse proxy in front of Loki), or none; a multi-tenant
/// Loki also needs <see cref="TenantId"/>. Credentials come from the environment or a Secret and are never logged.
/// </summary>
public sealed class LokiSourceOptions : ContextSourceOptions, IValidatableObject
{
    /// <summary>Loki's own <c>max_entries_limit_per_query</c> default: a larger <c>limit</c> is refused with 400.</summary>
    public const int LokiDefaultMaxEntries = 5000;

    /// <summary>Sent as <c>X-Scope-OrgID</c> (a Loki with <c>auth_enabled: true</c> answers 401 <c>no org id</c> without it).</summary>
    public string? TenantId { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer …</c>.</summary>
    public string? BearerToken { get; set; }

    /// <summary>With <see cref="Password"/>: sent as <c>Authorization: Basic …</c>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// The most lines one query may ask for: the server's <c>max_entries_limit_per_query</c> (default 5000). The lines
    /// read are the fewer of this and <c>Context:Bounds:MaxLogLines</c>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxEntriesPerQuery { get; set; } = LokiDefaultMaxEntries;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BearerToken) && !string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult("Set either BearerToken or Username/Password for Loki, not both.", [nameof(BearerToken), nameof(Username)]);
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Loki basic authentication needs both Username and Password.", [nameof(Username), nameof(Password)]);
        }
    }
}

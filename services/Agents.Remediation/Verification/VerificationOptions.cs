using System.ComponentModel.DataAnnotations;
using Agents.Hosting.Prometheus;

namespace Agents.Remediation.Verification;

/// <summary>
/// Configuration section <c>Remediation:Prometheus</c> (<c>Remediation__Prometheus__Url</c>, <c>__BearerToken</c>,
/// <c>__Username</c>, <c>__Password</c>, <c>__Timeout</c>): the Prometheus server the verification queries of the service
/// catalog are evaluated on. Without a URL, a check answers that it cannot measure, and the incident waits for the
/// source's resolved signal only. Credentials come from the environment or a Secret and are never logged.
/// </summary>
public sealed class VerificationOptions : IPrometheusEndpoint, IValidatableObject
{
    public const string SectionName = "Remediation:Prometheus";

    string IPrometheusEndpoint.SettingName => SectionName;

    public Uri? Url { get; set; }

    public string? BearerToken { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Url is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"{SectionName}:Url must be an absolute http(s) address.", [nameof(Url)]);
        }

        if (!string.IsNullOrEmpty(BearerToken) && !string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult($"{SectionName}: set a bearer token or a username, not both.", [nameof(BearerToken)]);
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(2))
        {
            yield return new ValidationResult($"{SectionName}:Timeout must be between 0 and 2 minutes.", [nameof(Timeout)]);
        }
    }
}

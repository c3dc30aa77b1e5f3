using Microsoft.Extensions.Configuration;

namespace Agents.Remediation.Execution;

/// <summary>
/// The secrets a runbook names (an HTTP step's bearer token or HMAC key), read when a step runs: the configuration key
/// <c>Remediation:Secrets:NAME</c> (<c>Remediation__Secrets__NAME</c>), else the environment variable <c>NAME</c>. The
/// value goes into the request only; it is never logged nor put in a summary.
/// </summary>
public sealed class ExecutionSecrets(IConfiguration configuration)
{
    public const string SectionName = "Remediation:Secrets";

    /// <summary>The secret's value, or null when neither place holds a non-empty one.</summary>
    public string? Get(string name)
    {
        var configured = configuration[$"{SectionName}:{name}"];
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        var environment = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(environment) ? null : environment;
    }

    /// <summary>Where the secret is looked for, for a refusal naming what to set.</summary>
    public static string WhereToSet(string name) => $"environment variable {name} or Remediation__Secrets__{name}";
}

using System.ComponentModel.DataAnnotations;
using Agents.Contracts.Remediation;

namespace Agents.Remediation.Control;

/// <summary>The controls' settings, in configuration section <c>Remediation</c> (beside the agent's own).</summary>
public sealed class RemediationControlOptions : IValidatableObject
{
    public const string SectionName = "Remediation";

    /// <summary><c>Remediation__DefaultMode</c>: the mode of a service whose catalog entry names none (auto, approve or dry-run).</summary>
    public string DefaultMode { get; set; } = RemediationModes.DryRun;

    /// <summary><c>Remediation__KillSwitch</c>: true stops every execution (read by <see cref="Hosting.Remediation.KillSwitch"/>).</summary>
    public bool KillSwitch { get; set; }

    /// <summary><c>Remediation__FailureBackoff</c>: how long an alert's remediations stay stopped after <see cref="FailureBackoffAfter"/> failures in a row.</summary>
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary><c>Remediation__FailureBackoffAfter</c>: how many failed remediations of one alert in a row stop the next.</summary>
    [Range(1, 100)]
    public int FailureBackoffAfter { get; set; } = 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!RemediationModes.All.Contains(DefaultMode, StringComparer.Ordinal))
        {
            yield return new ValidationResult($"Remediation:DefaultMode '{DefaultMode}' is not one of {string.Join(", ", RemediationModes.All)}", [nameof(DefaultMode)]);
        }

        if (FailureBackoff < TimeSpan.Zero)
        {
            yield return new ValidationResult("Remediation:FailureBackoff must not be negative", [nameof(FailureBackoff)]);
        }
    }
}

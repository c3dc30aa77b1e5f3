using System.ComponentModel.DataAnnotations;

namespace Agents.Reviewers.Brain;

/// <summary>The reviewers' settings (section <c>Reviewers</c>, e.g. <c>Reviewers__FrozenServices__0=auth-service</c>).</summary>
public sealed class ReviewersOptions
{
    public const string SectionName = "Reviewers";

    /// <summary>Services under a change freeze (compared without regard to case): change-policy denies their remediation,
    /// except for a critical incident that safety has confirmed. Default: none.</summary>
    public List<string> FrozenServices { get; set; } = [];

    /// <summary>Services whose failure hurts most (compared without regard to case): blast-radius wants a higher
    /// hypothesis confidence before it approves acting on them unattended. Default: none.</summary>
    public List<string> CriticalServices { get; set; } = [];

    /// <summary>On a critical service, the hypothesis confidence from which blast-radius approves on its own. Default 0.9.</summary>
    [Range(0.0, 1.0)]
    public double CriticalConfidence { get; set; } = 0.9;

    /// <summary>On a critical service, the confidence below which blast-radius denies outright; between this and
    /// <see cref="CriticalConfidence"/> it follows safety's finding. Default 0.7.</summary>
    [Range(0.0, 1.0)]
    public double CriticalMinimumConfidence { get; set; } = 0.7;

    /// <summary>On any other service, the confidence from which blast-radius approves on its own; below it, it follows
    /// safety's finding. Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public double Confidence { get; set; } = 0.5;

    public bool IsFrozen(string service) => FrozenServices.Any(s => string.Equals(s.Trim(), service.Trim(), StringComparison.OrdinalIgnoreCase));

    public bool IsCritical(string service) => CriticalServices.Any(s => string.Equals(s.Trim(), service.Trim(), StringComparison.OrdinalIgnoreCase));
}

using Agents.Contracts;

namespace Agents.Triage.Brain;

/// <summary>
/// Maps the severity a producer stated (PagerDuty urgency, Alertmanager label, Zabbix priority, ...) to one of
/// <see cref="Severities"/>. Matching ignores case and surrounding spaces; a missing or unrecognised value is
/// classified <see cref="Severities.Medium"/> so that the incident still runs the full workflow.
/// </summary>
public static class SeverityClassifier
{
    private static readonly Dictionary<string, string> Known = Build(
        (Severities.Critical, ["critical", "p1", "sev1", "sev-1", "page", "emergency", "fatal", "disaster"]),
        (Severities.High, ["high", "p2", "sev2", "error", "major", "urgent"]),
        (Severities.Medium, ["medium", "p3", "sev3", "warning", "warn", "moderate", "average"]),
        (Severities.Low, ["low", "p4", "p5", "sev4", "sev5", "info", "informational", "minor", "none", "ok"]));

    /// <summary>The classified severity, and whether <paramref name="raw"/> was recognised.</summary>
    public static (string Severity, bool Recognised) Classify(string? raw) =>
        raw is not null && Known.TryGetValue(raw.Trim(), out var severity)
            ? (severity, true)
            : (Severities.Medium, false);

    private static Dictionary<string, string> Build(params (string Severity, string[] Words)[] table)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (severity, words) in table)
        {
            foreach (var word in words)
            {
                map.Add(word, severity);
            }
        }

        return map;
    }
}

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Statuses a parsed alert can have. Only <see cref="Firing"/> opens (or joins) an incident; any other value is a
/// status report about an alert already known by its fingerprint.
/// </summary>
public static class AlertStatuses
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";
    public const string Acknowledged = "acknowledged";
}

namespace Agents.Orchestrator.Intake;

/// <summary>Values of <see cref="Agents.Contracts.Alerts.AlertPayload.Format"/>.</summary>
public static class AlertFormats
{
    public const string PagerDuty = "pagerduty";
    public const string Alertmanager = "alertmanager";
    public const string Generic = "generic";
}

namespace Agents.Contracts;

/// <summary>The names of the workflow steps, as they appear in the workflow file, the timeline and telemetry.</summary>
public static class IncidentSteps
{
    public const string Intake = "intake";
    public const string Triage = "triage";
    public const string Context = "context";
    public const string Investigation = "investigation";
    public const string Remediation = "remediation";
    public const string Notification = "notification";
    public const string Operator = "operator";

    public static IReadOnlyList<string> Agents { get; } = [Triage, Context, Investigation, Remediation, Notification];
}

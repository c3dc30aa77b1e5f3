namespace Agents.Contracts.Incidents;

/// <summary>
/// The parts of an incident, each written by one agent only: <c>alert</c> (triage's reading of the alert),
/// <c>context</c>, <c>hypothesis</c> (investigation), <c>remediation</c>, <c>notifications</c>.
/// </summary>
public static class IncidentSegments
{
    public const string Alert = "alert";
    public const string Context = "context";
    public const string Hypothesis = "hypothesis";
    public const string Remediation = "remediation";
    public const string Notifications = "notifications";

    public static IReadOnlyList<string> All { get; } = [Alert, Context, Hypothesis, Remediation, Notifications];

    /// <summary>The step (agent) that owns <paramref name="segment"/>.</summary>
    public static string OwnerStep(string segment) => segment switch
    {
        Alert => IncidentSteps.Triage,
        Context => IncidentSteps.Context,
        Hypothesis => IncidentSteps.Investigation,
        Remediation => IncidentSteps.Remediation,
        Notifications => IncidentSteps.Notification,
        _ => throw new ArgumentOutOfRangeException(nameof(segment), segment, "not a segment"),
    };
}

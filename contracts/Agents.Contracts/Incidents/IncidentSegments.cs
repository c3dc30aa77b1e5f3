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

    /// <summary>The longest name a plug-in step (and so its segment) may have.</summary>
    public const int MaxPluginStepNameLength = 63;

    /// <summary>
    /// Whether <paramref name="name"/> can name a workflow's plug-in step, whose result is the incident's segment of the
    /// same name: lower-case kebab-case (<c>change-freeze</c>), at most <see cref="MaxPluginStepNameLength"/> characters.
    /// </summary>
    public static bool IsPluginStepName(string? name) =>
        name is { Length: > 0 and <= MaxPluginStepNameLength }
        && name.Split('-').All(part => part.Length > 0 && part.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')));

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

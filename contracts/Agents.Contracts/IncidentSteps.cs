namespace Agents.Contracts;

/// <summary>The names of the workflow steps, as they appear in the workflow file, the timeline and telemetry.</summary>
public static class IncidentSteps
{
    public const string Intake = "intake";
    public const string Triage = "triage";
    public const string Context = "context";
    public const string Investigation = "investigation";
    public const string Remediation = "remediation";

    /// <summary>
    /// The optional approval gate before remediation (<c>approval:</c> of the workflow): a deliberation of reviewers, not an
    /// agent, so not one of <see cref="Agents"/>.
    /// </summary>
    public const string Approval = "approval";
    /// <summary>
    /// After an executed remediation, the incident waits for evidence that it worked (the source's resolved signal, or the
    /// verification query checked by the remediation agent); an attempt is one check. Not a workflow step of its own.
    /// </summary>
    public const string Verification = "verification";
    public const string Notification = "notification";
    public const string Operator = "operator";

    public static IReadOnlyList<string> Agents { get; } = [Triage, Context, Investigation, Remediation, Notification];
}

namespace Agents.Contracts.Incidents;

public static class IncidentStatuses
{
    public const string Triaging = "Triaging";
    public const string CollectingContext = "CollectingContext";
    public const string Investigating = "Investigating";

    /// <summary>Waiting for the reviewers' or a human's approval before remediation (a workflow with <c>approval:</c>).</summary>
    public const string AwaitingApproval = "AwaitingApproval";

    /// <summary>A plug-in step of the incident's workflow runs (the incident's current step names it).</summary>
    public const string RunningStep = "RunningStep";

    public const string Remediating = "Remediating";
    /// <summary>A remediation was executed; the incident waits for evidence that it worked (or escalates at the deadline).</summary>
    public const string Verifying = "Verifying";
    public const string Notifying = "Notifying";
    public const string Resolved = "Resolved";
    public const string Closed = "Closed";
    public const string Escalated = "Escalated";

    /// <summary>A step ran out of attempts under an <c>onExhausted: fail</c> policy: ended unresolved, no human paged.</summary>
    public const string Failed = "Failed";

    public static IReadOnlyList<string> All { get; } =
        [Triaging, CollectingContext, Investigating, RunningStep, AwaitingApproval, Remediating, Verifying, Notifying, Resolved, Closed, Escalated, Failed];

    public static IReadOnlyList<string> Terminal { get; } = [Resolved, Closed, Escalated, Failed];
}

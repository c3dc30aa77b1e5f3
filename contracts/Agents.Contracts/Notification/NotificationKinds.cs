namespace Agents.Contracts.Notification;

public static class NotificationKinds
{
    /// <summary>The incident was remediated; a summary for the team.</summary>
    public const string Resolution = "resolution";

    /// <summary>A low-severity alert closed without the full workflow.</summary>
    public const string LowPriority = "low-priority";

    /// <summary>The workflow gave up: a human is paged.</summary>
    public const string Escalation = "escalation";

    /// <summary>The orchestrator itself failed on this incident: a human is paged at once.</summary>
    public const string Emergency = "emergency";

    /// <summary>
    /// A workflow's human approval gate (<c>approval: human</c>) waits for someone to approve or deny the proposed
    /// remediation: a human is paged, outside the workflow's own steps.
    /// </summary>
    public const string ApprovalRequest = "approval-request";

    public static IReadOnlyList<string> All { get; } = [Resolution, LowPriority, Escalation, Emergency, ApprovalRequest];

    public static bool PagesHuman(string kind) => kind is Escalation or Emergency or ApprovalRequest;
}

namespace Agents.Contracts.Remediation;

/// <summary>The remediation segment: the runbook action chosen and what executing it did (or would do).</summary>
public sealed record RemediationResult
{
    public required string ActionId { get; init; }

    public required string Description { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>True when nothing was executed (<see cref="Execution"/> is anything but <see cref="RemediationExecutions.Executed"/>).</summary>
    public required bool DryRun { get; init; }

    /// <summary>One of <see cref="RemediationExecutions"/>; null in results from before execution existed (a dry run).</summary>
    public string? Execution { get; init; }

    /// <summary>The service's remediation mode that applied (<see cref="RemediationModes"/>).</summary>
    public string? Mode { get; init; }

    /// <summary>What the action acts on, for people: <c>kubernetes prod/orders deployment/orders</c>, <c>redis orders:cache:*</c>.</summary>
    public string? Target { get; init; }

    /// <summary>What was done (or would be), one line per step.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];

    public required string Outcome { get; init; }

    public required string Rationale { get; init; }

    /// <summary>How to tell that an executed action worked (set when <see cref="Execution"/> is executed).</summary>
    public RemediationVerification? Verification { get; init; }

    /// <summary>When the action finished executing.</summary>
    public DateTimeOffset? ExecutedAt { get; init; }

    /// <summary>What a human is asked to approve (set when <see cref="Execution"/> is approval-required).</summary>
    public RemediationProposal? Proposal { get; init; }
}

/// <summary>What became of a remediation (<see cref="RemediationResult.Execution"/>).</summary>
public static class RemediationExecutions
{
    /// <summary>The action ran on the real system; the incident now verifies that it worked.</summary>
    public const string Executed = "executed";

    /// <summary>Only recorded what would be done (the service's mode is dry-run): a human must act.</summary>
    public const string DryRun = "dry-run";

    /// <summary>A plan waits for a human's approval (mode approve): nothing was executed yet.</summary>
    public const string ApprovalRequired = "approval-required";

    /// <summary>A control refused to act (kill switch, freeze window, cooldown, back-off): a human must act.</summary>
    public const string Blocked = "blocked";
}

/// <summary>The remediation modes a service may have in the service catalog (<c>remediation.mode</c>).</summary>
public static class RemediationModes
{
    /// <summary>Act without asking, within the controls.</summary>
    public const string Auto = "auto";

    /// <summary>Plan, then wait for a human's approval of that exact plan.</summary>
    public const string Approve = "approve";

    /// <summary>Only record what would be done.</summary>
    public const string DryRun = "dry-run";

    public static IReadOnlyList<string> All { get; } = [Auto, Approve, DryRun];
}

/// <summary>How the incident checks that an executed action worked, from the service catalog's <c>remediation.verify</c>.</summary>
public sealed record RemediationVerification
{
    /// <summary>A Prometheus (PromQL) expression giving one number, e.g. the service's error ratio; null: wait for the source's resolved signal only.</summary>
    public string? Query { get; init; }

    /// <summary>Verified when the query's value stayed below this for <see cref="For"/> after the action.</summary>
    public double? Below { get; init; }

    /// <summary>Verified when the query's value stayed above this for <see cref="For"/> after the action.</summary>
    public double? Above { get; init; }

    /// <summary>How long the value must hold after the action.</summary>
    public TimeSpan For { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the incident waits for evidence before it escalates as "remediation ineffective".</summary>
    public TimeSpan Within { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the query is evaluated while the incident verifies.</summary>
    public TimeSpan Every { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A plan put to a human (mode approve): the action, its parameters and what each may be changed to.</summary>
public sealed record RemediationProposal
{
    /// <summary>Per parameter, the values the approver may choose from (the catalog's bounds); a parameter not listed cannot be changed.</summary>
    public IReadOnlyList<ParameterChoice> Choices { get; init; } = [];

    /// <summary>How long the approval request stays open (the catalog's <c>approvalTimeout</c>, default 15 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>What an approver may set a parameter to: one of <see cref="Values"/>, or a whole number within <see cref="Min"/>..<see cref="Max"/>.</summary>
public sealed record ParameterChoice
{
    public required string Name { get; init; }

    /// <summary>The runbook parameter type (service, version, integer, string, name).</summary>
    public required string Type { get; init; }

    public IReadOnlyList<string> Values { get; init; } = [];

    public long? Min { get; init; }

    public long? Max { get; init; }
}

/// <summary>How the escalation reason of an incident starts when its remediation did not fix it (read by people and the notification agent).</summary>
public static class RemediationEscalations
{
    /// <summary>Nothing was executed (a dry run, a blocked action): a human must act.</summary>
    public const string HumanActionRequired = "human action required";

    /// <summary>An executed action did not bring the evidence back within its verification time.</summary>
    public const string Ineffective = "remediation ineffective";
}

using Agents.Contracts.Context;
using Agents.Contracts.Investigation;

namespace Agents.Contracts.Remediation;

public sealed record RemediateIncident : IStepCommand
{
    public required Guid IncidentId { get; init; }

    /// <summary>
    /// The remediation attempt: one more for every remediation the incident dispatches over its life (the planning, the
    /// approved execution, an operator's re-run), never reused, so that (incident, attempt, action step) names one decision
    /// in the execution ledger however often this command is delivered.
    /// </summary>
    public required int Attempt { get; init; }

    public required string Service { get; init; }

    public required Hypothesis Hypothesis { get; init; }

    public required IncidentContext Context { get; init; }

    /// <summary>The incident's alert fingerprint: failures are counted per fingerprint for the back-off.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>
    /// The end of the step's timeout when the command was sent: a command consumed later is refused with that reason and
    /// never acts (the incident has escalated, or will, by then). Null in commands from before this field.
    /// </summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>The workflow asks a human to approve every remediation (<c>approval: human</c>): plan, do not act.</summary>
    public bool RequireApproval { get; init; }

    /// <summary>The plan a human approved (possibly with changed parameters): execute exactly this, do not plan again.</summary>
    public ApprovedRemediation? Approved { get; init; }
}

/// <summary>A remediation plan as a human approved it through the API.</summary>
public sealed record ApprovedRemediation
{
    public required string ActionId { get; init; }

    /// <summary>The parameters to act with: the proposal's, with the approver's changes applied.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>The hash of the approval request the human saw (<see cref="RemediationProposal.Hash"/>).</summary>
    public required string RequestHash { get; init; }

    public required string ApprovedBy { get; init; }

    /// <summary>Each parameter the approver changed: <c>to_version: v5.1.9 → v5.1.8</c>.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];
}

using System.Text.Json;

namespace Agents.Contracts.Deliberation;

/// <summary>
/// Asks the orchestrator to run a deliberation: the participants of the policy named <see cref="Kind"/> (the
/// <c>deliberations:</c> section of the workflow file) judge <see cref="Subject"/> in rounds until enough of them agree.
/// The outcome is published as <see cref="DeliberationConcluded"/>, and also sent to <see cref="RequestedBy"/> when given.
/// </summary>
public sealed record StartDeliberation
{
    /// <summary>Chosen by the caller (a deterministic id makes a repeated request attach to the same deliberation).</summary>
    public required Guid DeliberationId { get; init; }

    /// <summary>The deliberation policy, e.g. <c>claim-adjudication</c> or <c>incident-approval</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>What the participants judge: any JSON object (a claim, a proposed remediation).</summary>
    public required JsonElement Subject { get; init; }

    /// <summary>One line a human reads: what is being decided.</summary>
    public required string Summary { get; init; }

    /// <summary>An endpoint (e.g. <c>queue:claims</c>) that is sent the <see cref="DeliberationConcluded"/> too.</summary>
    public Uri? RequestedBy { get; init; }
}

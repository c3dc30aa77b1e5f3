namespace Agents.Contracts.Remediation;

/// <summary>
/// One verification check of an executed remediation: the remediation agent evaluates the verification query over the
/// time since the action and answers <see cref="RemediationChecked"/>. <see cref="IStepCommand.Attempt"/> counts the checks.
/// </summary>
public sealed record CheckRemediation : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Service { get; init; }

    public required RemediationVerification Verification { get; init; }

    /// <summary>When the action finished: only values after it count.</summary>
    public required DateTimeOffset ExecutedAt { get; init; }
}

/// <summary>The answer to a <see cref="CheckRemediation"/>.</summary>
public sealed record RemediationChecked : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    /// <summary>The value held for the whole required time after the action.</summary>
    public required bool Verified { get; init; }

    /// <summary>One line with the measured values: <c>error ratio max 0.004 below 0.01 for 5m since 12:03:10Z</c>.</summary>
    public required string Detail { get; init; }

    /// <summary>The worst value measured since the action, when the query answered.</summary>
    public double? Value { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

namespace Agents.Contracts.Remediation;

public sealed record IncidentRemediationFailed
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Reason { get; init; }
}

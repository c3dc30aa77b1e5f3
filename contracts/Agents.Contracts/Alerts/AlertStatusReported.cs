namespace Agents.Contracts.Alerts;

/// <summary>
/// A change of an alert's state at its source (resolved, acknowledged, ...). It is recorded on the open
/// incident with the same fingerprint and never starts one.
/// </summary>
public sealed record AlertStatusReported
{
    public required Guid EventId { get; init; }

    public required string Fingerprint { get; init; }

    /// <summary><c>resolved</c>, <c>acknowledged</c> or another source status.</summary>
    public required string Status { get; init; }

    public required string Format { get; init; }

    public required string Summary { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }
}

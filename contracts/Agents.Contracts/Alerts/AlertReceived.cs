namespace Agents.Contracts.Alerts;

/// <summary>A firing alert, published by intake. Starts an incident or attaches to the open one with the same fingerprint.</summary>
public sealed record AlertReceived
{
    /// <summary>The id the incident gets if this alert starts one.</summary>
    public required Guid IncidentId { get; init; }

    public required AlertPayload Alert { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }
}

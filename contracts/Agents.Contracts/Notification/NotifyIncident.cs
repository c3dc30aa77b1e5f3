namespace Agents.Contracts.Notification;

public sealed record NotifyIncident : IStepCommand
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    /// <summary>One of <see cref="NotificationKinds"/>.</summary>
    public required string Kind { get; init; }

    public required IncidentSnapshot Incident { get; init; }

    /// <summary>Why a human is paged (escalation, emergency).</summary>
    public string? Reason { get; init; }
}

using System.Text.Json;

namespace Agents.Contracts.Deliberation;

/// <summary>Request answered by the orchestrator with <see cref="DeliberationList"/>: newest first.</summary>
public sealed record ListDeliberations
{
    /// <summary>Only this kind (e.g. <c>claim-adjudication</c>), or every kind.</summary>
    public string? Kind { get; init; }

    /// <summary>Only this status (one of <see cref="DeliberationStatuses.All"/>), e.g. <c>Escalated</c> for what waits for a human.</summary>
    public string? Status { get; init; }

    public int Limit { get; init; } = 50;
}

public sealed record DeliberationList
{
    public IReadOnlyList<DeliberationSummary> Items { get; init; } = [];
}

/// <summary>One deliberation in a list: where it stands, without its rounds (<see cref="GetDeliberation"/> has them).</summary>
public sealed record DeliberationSummary
{
    public required Guid DeliberationId { get; init; }

    public required string Kind { get; init; }

    public required string Status { get; init; }

    public required string Summary { get; init; }

    public required JsonElement Subject { get; init; }

    public required int Round { get; init; }

    public string? Decision { get; init; }

    public double? Confidence { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The statuses of a deliberation (<see cref="DeliberationDetails.Status"/>).</summary>
public static class DeliberationStatuses
{
    public const string Deliberating = "Deliberating";

    public const string Decided = "Decided";

    /// <summary>No consensus after the last round: a human decides.</summary>
    public const string Escalated = "Escalated";

    public const string Refused = "Refused";

    public static IReadOnlyList<string> All { get; } = [Deliberating, Decided, Escalated, Refused];
}

namespace Agents.Contracts.Context;

/// <summary>An earlier incident of the service (PagerDuty history): what it was called, how alike it is, how it ended.</summary>
public sealed record PastIncident
{
    public required string Source { get; init; }

    /// <summary>The request made (path and parameters, never a credential).</summary>
    public required string Query { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    public required string Id { get; init; }

    public required string Title { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public string? Url { get; init; }

    /// <summary>How alike its title is to this incident's alert, 0 to 1 (word overlap).</summary>
    public required double Similarity { get; init; }

    /// <summary>How it was resolved, from its notes and log entries (bounded text); null when nothing says.</summary>
    public string? Resolution { get; init; }

    /// <summary>The runbook action its resolution names, when it names one of the catalog's actions.</summary>
    public string? Action { get; init; }
}

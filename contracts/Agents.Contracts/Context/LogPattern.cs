namespace Agents.Contracts.Context;

/// <summary>
/// Log lines of the service that differ only in their variable parts (numbers, ids, addresses), counted as one
/// pattern: the most frequent error patterns in the window, from Loki or Datadog logs.
/// </summary>
public sealed record LogPattern
{
    public required string Source { get; init; }

    /// <summary>The exact query sent (a LogQL stream selector and filter, a Datadog logs query).</summary>
    public required string Query { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    /// <summary>The line with its variable parts replaced by placeholders (<c>&lt;n&gt;</c>, <c>&lt;id&gt;</c>, <c>&lt;ip&gt;</c>...).</summary>
    public required string Pattern { get; init; }

    public required int Count { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>One real line of the pattern, shortened to a bounded length.</summary>
    public required string Sample { get; init; }
}

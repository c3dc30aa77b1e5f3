using Agents.Contracts;

namespace Agents.Api;

/// <summary>The query arguments every list of the API shares: a status filter and a limit.</summary>
internal static class ListArguments
{
    /// <summary>A 400 naming what is wrong with <paramref name="status"/> (not one of <paramref name="statuses"/>) or <paramref name="limit"/>; null when both are fine.</summary>
    public static IResult? Refusal(string? status, IReadOnlyList<string> statuses, int? limit) =>
        status is not null && !statuses.Contains(status)
            ? Results.Problem(statusCode: 400, title: "Unknown status",
                detail: $"'{status}' is not a status; use one of {string.Join(", ", statuses)}.")
            : Refusal(limit);

    /// <summary>A 400 when <paramref name="limit"/> is given and outside 1..<see cref="ListLimits.Max"/>; else null.</summary>
    public static IResult? Refusal(int? limit) =>
        limit is < 1 or > ListLimits.Max
            ? Results.Problem(statusCode: 400, title: "Bad limit", detail: $"limit must be between 1 and {ListLimits.Max}.")
            : null;
}

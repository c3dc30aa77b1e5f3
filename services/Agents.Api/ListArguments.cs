namespace Agents.Api;

/// <summary>The query arguments every list of the API shares: a status filter and a limit.</summary>
internal static class ListArguments
{
    public const int MaxLimit = 500;

    /// <summary>A 400 naming what is wrong with <paramref name="status"/> (not one of <paramref name="statuses"/>) or <paramref name="limit"/>; null when both are fine.</summary>
    public static IResult? Refusal(string? status, IReadOnlyList<string> statuses, int? limit) =>
        status is not null && !statuses.Contains(status)
            ? Results.Problem(statusCode: 400, title: "Unknown status",
                detail: $"'{status}' is not a status; use one of {string.Join(", ", statuses)}.")
            : Refusal(limit);

    /// <summary>A 400 when <paramref name="limit"/> is given and outside 1..<see cref="MaxLimit"/>; else null.</summary>
    public static IResult? Refusal(int? limit) =>
        limit is < 1 or > MaxLimit
            ? Results.Problem(statusCode: 400, title: "Bad limit", detail: $"limit must be between 1 and {MaxLimit}.")
            : null;
}

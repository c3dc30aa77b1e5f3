using Agents.Contracts;
using Agents.Contracts.Incidents;

namespace Agents.Api.OperatorConsole;

/// <summary>
/// The incidents page's filters: status (asked of the orchestrator), severity, service and age (applied to what it
/// answered). Unknown values are dropped rather than refused: a filter a person cannot have typed is no filter.
/// </summary>
public sealed record IncidentFilter(string? Status, string? Severity, string? Service, string? Since)
{
    public const int MaxServiceLength = 200;

    /// <summary>How many incidents one page (or one live update) asks the orchestrator for.</summary>
    public const int Limit = 200;

    public static IReadOnlyList<(string Key, string Label, TimeSpan Window)> Windows { get; } =
    [
        ("1h", "last hour", TimeSpan.FromHours(1)),
        ("6h", "last 6 hours", TimeSpan.FromHours(6)),
        ("24h", "last day", TimeSpan.FromDays(1)),
        ("7d", "last week", TimeSpan.FromDays(7)),
    ];

    public static IncidentFilter From(HttpRequest request)
    {
        string? Value(string name) => request.Query[name].ToString().Trim() is { Length: > 0 } v ? v : null;
        var status = Value("status");
        var severity = Value("severity");
        var service = Value("service");
        var since = Value("since");
        return new IncidentFilter(
            status is not null && IncidentStatuses.All.Contains(status) ? status : null,
            severity is not null && Severities.IsKnown(severity) ? severity : null,
            service is { Length: <= MaxServiceLength } ? service : null,
            since is not null && Windows.Any(w => w.Key == since) ? since : null);
    }

    public ListIncidents Request => new() { Status = Status, Limit = Limit };

    public IReadOnlyList<IncidentSummary> Apply(IEnumerable<IncidentSummary> incidents, DateTimeOffset now)
    {
        var window = Windows.FirstOrDefault(w => w.Key == Since).Window;
        return incidents
            .Where(i => Severity is null || string.Equals(i.Severity, Severity, StringComparison.OrdinalIgnoreCase))
            .Where(i => Service is null || (i.Service?.Contains(Service, StringComparison.OrdinalIgnoreCase) ?? false))
            .Where(i => Since is null || i.UpdatedAt >= now - window)
            .ToList();
    }

    /// <summary>The filters as a query string (with its <c>?</c>), or empty.</summary>
    public string Query
    {
        get
        {
            var pairs = new[] { ("status", Status), ("severity", Severity), ("service", Service), ("since", Since) }
                .Where(p => p.Item2 is not null)
                .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}")
                .ToList();
            return pairs.Count == 0 ? "" : "?" + string.Join("&", pairs);
        }
    }
}

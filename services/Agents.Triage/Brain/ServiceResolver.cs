using Agents.Contracts.Alerts;
using Agents.Hosting.Catalog;

namespace Agents.Triage.Brain;

/// <summary>
/// Finds the service an alert is about, from its structured parts only (never its free text): the service catalog's
/// first entry whose matchers match the alert's labels; else the alert's own service field, else the first of a few
/// conventional labels (the service then gets the catalog's default entry downstream).
/// </summary>
public static class ServiceResolver
{
    /// <summary>The labels consulted, in order, when no catalog entry matches and the alert names no service.</summary>
    public static IReadOnlyList<string> FallbackLabels { get; } = ["service", "app", "application", "job"];

    /// <summary>The service, where it was found, and the catalog match when there was one; null when none is given.</summary>
    public static ResolvedService? Resolve(AlertPayload alert, ServiceCatalog catalog)
    {
        if (catalog.Match(alert) is { } match)
        {
            return new ResolvedService(match.Entry.Name, $"the service catalog's entry '{match.Entry.Name}' ({match.MatchedBy})", match.MatchedBy);
        }

        if (!string.IsNullOrWhiteSpace(alert.Service))
        {
            return new ResolvedService(alert.Service.Trim(), "the alert's service field", null);
        }

        foreach (var label in FallbackLabels)
        {
            if (LabelLookup.Find(alert.Labels, label) is { } value)
            {
                return new ResolvedService(value, $"the label '{label}'", null);
            }
        }

        return null;
    }
}

/// <summary>The service an alert is about, where that was read (<c>the label 'app'</c>...) and the catalog match, if any.</summary>
public sealed record ResolvedService(string Service, string From, string? CatalogMatch);

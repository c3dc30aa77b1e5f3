using Agents.Contracts.Alerts;

namespace Agents.Brains.Tests.Catalog;

/// <summary>Alerts for the catalog tests.</summary>
internal static class CatalogAlerts
{
    public static AlertPayload With(IReadOnlyDictionary<string, string>? labels = null, string? service = null) => new()
    {
        Format = "alertmanager",
        Source = "agents",
        Fingerprint = Guid.NewGuid().ToString("N"),
        Summary = "something is wrong",
        Service = service,
        OccurredAt = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero),
        Labels = labels ?? new Dictionary<string, string>(),
    };

    public static AlertPayload Labels(params (string Name, string Value)[] labels) =>
        With(labels.ToDictionary(l => l.Name, l => l.Value));
}

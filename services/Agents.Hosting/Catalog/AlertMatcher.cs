namespace Agents.Hosting.Catalog;

/// <summary>
/// One way an alert is recognised as being about a service: every label given must be present on the alert with exactly
/// that value (e.g. <c>{app: checkout}</c>, or <c>{container: checkout, namespace: shop}</c>); or the alert's PagerDuty
/// service id (the label <c>service_id</c> PagerDuty webhooks carry) equals <see cref="PagerDutyServiceId"/>.
/// </summary>
public sealed record AlertMatcher
{
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? PagerDutyServiceId { get; init; }

    /// <summary>e.g. <c>labels app=checkout, namespace=shop</c> or <c>PagerDuty service PABC123</c>.</summary>
    public string Describe() =>
        PagerDutyServiceId is { } id
            ? $"PagerDuty service {id}"
            : "labels " + string.Join(", ", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}

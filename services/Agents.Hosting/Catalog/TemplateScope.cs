namespace Agents.Hosting.Catalog;

/// <summary>Which placeholders a template of the catalog file may use where it is written.</summary>
/// <param name="Service">Placeholders are expanded here at all (<c>$service</c> may be used).</param>
/// <param name="Selector"><c>$selector</c> may be used (Prometheus query templates).</param>
/// <param name="Kubernetes">The entry has a kubernetes section, so <c>$namespace</c> and <c>$workload</c> may be used.</param>
/// <param name="IsDefault">The template belongs to the default entry (which never has a kubernetes section).</param>
internal readonly record struct TemplateScope(bool Service, bool Selector, bool Kubernetes, bool IsDefault)
{
    /// <summary>Placeholders are not expanded (e.g. a Loki line filter).</summary>
    public static TemplateScope None => default;

    public static TemplateScope For(bool kubernetes, bool isDefault) => new(true, false, kubernetes, isDefault);

    public string Known => Selector ? "$service, $selector, $namespace, $workload" : "$service, $namespace, $workload";
}

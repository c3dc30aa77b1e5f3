using YamlDotNet.RepresentationModel;

namespace Agents.Hosting.Catalog;

/// <summary>A listed service as read from the file (templates not yet expanded), with the places the catalog-wide checks report at.</summary>
internal sealed record ServiceDefinition(
    CatalogEntry Entry,
    string Path,
    IReadOnlyList<(string Name, YamlNode Node, string Path)> Names,
    IReadOnlyList<(AlertMatcher Matcher, YamlNode Node, string Path)> Matchers,
    IReadOnlyList<(string Name, YamlNode Node)> DependsOn);

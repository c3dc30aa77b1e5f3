using Agents.Contracts;
using Agents.Hosting.Catalog;
using YamlDotNet.RepresentationModel;

namespace Agents.Orchestrator.Workflows;

/// <summary>Reads a condition on an incident (a routing rule's <c>match:</c>, a plug-in step's <c>when:</c>) into an <see cref="IncidentMatch"/>.</summary>
internal static class WorkflowYamlMatch
{
    public static IReadOnlyList<string> Fields { get; } = ["severity", "source", "format", "service", "labels", "team", "tier", "environment"];

    private static readonly string[] Tiers = [CatalogEntry.CriticalTier, CatalogEntry.StandardTier];

    /// <summary>The condition at <paramref name="node"/>; null when anything is wrong with it (reported) or it has no field (<paramref name="empty"/> reported).</summary>
    public static IncidentMatch? Read(WorkflowYamlErrors errors, YamlNode node, string path, string empty)
    {
        var before = errors.Count;
        if (WorkflowYamlSection.Read(errors, node, path, Fields) is not { } section)
        {
            return null;
        }

        if (section.Node.Children.Count == 0)
        {
            errors.Add(node, path, empty);
            return null;
        }

        var match = new IncidentMatch
        {
            Severity = Values(section, "severity", Severities.All),
            Source = Values(section, "source", null),
            Format = Values(section, "format", null),
            Service = Values(section, "service", null),
            Labels = Labels(section),
            Team = Values(section, "team", null),
            Tier = Values(section, "tier", Tiers),
            Environment = Values(section, "environment", null),
        };
        return errors.Count > before ? null : match;
    }

    private static List<string>? Values(WorkflowYamlSection section, string field, IReadOnlyList<string>? allowed)
    {
        if (!section.Has(field))
        {
            return null;
        }

        return Values(section.Errors, section.Place(field), section.At(field), allowed);
    }

    private static List<string>? Values(WorkflowYamlErrors errors, YamlNode node, string path, IReadOnlyList<string>? allowed)
    {
        if (WorkflowYamlSection.IsNullNode(node))
        {
            errors.Add(node, path, "no value: give a value or a list of values (any of them holds)");
            return null;
        }

        if (WorkflowYamlSection.ReadStrings(errors, node, path, scalarAllowed: true) is not { } values)
        {
            return null;
        }

        if (values.Count == 0)
        {
            errors.Add(node, path, "an empty list never holds; give at least one value");
            return null;
        }

        foreach (var (value, valueNode) in values)
        {
            if (allowed is not null && !allowed.Contains(value, StringComparer.Ordinal))
            {
                errors.Add(valueNode, path, $"'{value}' is not one of {string.Join(", ", allowed)}");
            }
        }

        return values.Select(v => v.Value).ToList();
    }

    private static Dictionary<string, IReadOnlyList<string>>? Labels(WorkflowYamlSection section)
    {
        if (!section.Has("labels"))
        {
            return null;
        }

        var node = section.Place("labels");
        var path = section.At("labels");
        if (node is not YamlMappingNode mapping)
        {
            section.Errors.Add(node, path, $"expected a mapping of label names to values; found {WorkflowYamlSection.Describe(node)}");
            return null;
        }

        if (mapping.Children.Count == 0)
        {
            section.Errors.Add(node, path, "no labels: give at least one label, or leave labels out");
            return null;
        }

        var labels = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var ((name, _), value) in WorkflowYamlSection.Entries(section.Errors, mapping, path))
        {
            if (Values(section.Errors, value, $"{path}.{name}", null) is { } values)
            {
                labels[name] = values;
            }
        }

        return labels;
    }
}

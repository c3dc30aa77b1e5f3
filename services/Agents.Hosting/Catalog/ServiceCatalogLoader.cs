using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Agents.Hosting.Catalog;

/// <summary>
/// Reads and validates a service catalog file (<c>deploy/services.yaml</c> documents the format). Every problem is
/// reported at once, each with its line, column and path in the file, in one <see cref="CatalogConfigurationException"/>.
/// </summary>
internal static partial class ServiceCatalogLoader
{
    private static readonly string[] FileKeys = ["default", "services"];
    private static readonly string[] DefaultKeys = ["team", "tier", "environment", "prometheus", "loki", "datadog", "remediation"];

    private static readonly string[] ServiceKeys =
    [
        "name", "aliases", "match", "team", "tier", "environment", "kubernetes", "dependsOn",
        "prometheus", "loki", "datadog", "cloudwatch", "pagerduty", "notifications", "remediation",
    ];

    private static readonly string[] MatcherKeys = ["labels", "pagerdutyService"];
    private static readonly string[] Tiers = [CatalogEntry.CriticalTier, CatalogEntry.StandardTier];

    public static ServiceCatalog Parse(string yaml, string origin)
    {
        var root = ReadYaml(yaml, origin);
        var errors = new CatalogYamlErrors();
        var defaultEntry = ServiceCatalog.BuiltIn.DefaultEntry;
        var services = new List<ServiceDefinition>();
        if (root is not null && !CatalogSection.IsNullNode(root) && CatalogSection.Read(errors, root, "", FileKeys) is { } file)
        {
            if (file.Section("default", DefaultKeys) is { } section)
            {
                defaultEntry = ReadDefault(section, defaultEntry);
            }

            foreach (var (node, path) in file.Items("services") ?? [])
            {
                if (ReadService(errors, node, path, defaultEntry) is { } service)
                {
                    services.Add(service);
                }
            }
        }

        var canonical = CatalogChecks.Names(errors, services);
        CatalogChecks.Matchers(errors, services);
        services = CatalogChecks.Dependencies(errors, services, canonical);
        if (errors.Count > 0)
        {
            var list = errors.InFileOrder();
            throw new CatalogConfigurationException(
                $"Service catalog '{origin}' is invalid ({list.Count} {(list.Count == 1 ? "problem" : "problems")}):{Environment.NewLine}  - "
                + string.Join($"{Environment.NewLine}  - ", list),
                list);
        }

        return new ServiceCatalog(services.Select(s => CatalogTemplates.Expand(s.Entry)).ToList(), defaultEntry, origin);
    }

    private static YamlNode? ReadYaml(string yaml, string origin)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count > 1)
            {
                var second = stream.Documents[1].RootNode.Start;
                var error = $"line {second.Line}, column {second.Column}: a second YAML document; the catalog is one document";
                throw new CatalogConfigurationException($"Service catalog '{origin}' is invalid: {error}", [error]);
            }

            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            var error = $"line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message}";
            throw new CatalogConfigurationException($"Service catalog '{origin}' is not valid YAML: {error}", [error], ex);
        }
    }

    private static CatalogEntry ReadDefault(CatalogSection section, CatalogEntry builtIn)
    {
        var scope = TemplateScope.For(kubernetes: false, isDefault: true);
        return new CatalogEntry
        {
            Name = builtIn.Name,
            IsDefault = true,
            Team = section.String("team"),
            Tier = ReadTier(section),
            Environment = section.String("environment"),
            Prometheus = CatalogSourceReader.Prometheus(section, builtIn.Prometheus, scope),
            Loki = CatalogSourceReader.Loki(section, builtIn.Loki, scope),
            Datadog = CatalogSourceReader.Datadog(section, builtIn.Datadog, scope),
            Remediation = CatalogRemediationReader.Read(section, builtIn.Remediation, scope),
        };
    }

    private static ServiceDefinition? ReadService(CatalogYamlErrors errors, YamlNode node, string path, CatalogEntry defaults)
    {
        if (CatalogSection.Read(errors, node, path, ServiceKeys) is not { } section)
        {
            return null;
        }

        var names = new List<(string, YamlNode, string)>();
        var name = section.RequiredString("name", "the service's name, as alerts and deploys call it");
        if (name is not null && CheckName(errors, section.Place("name"), section.At("name"), name))
        {
            names.Add((name, section.Place("name"), section.At("name")));
        }

        var aliases = new List<string>();
        foreach (var (alias, aliasNode) in section.Strings("aliases") ?? [])
        {
            if (CheckName(errors, aliasNode, section.At("aliases"), alias))
            {
                aliases.Add(alias);
                names.Add((alias, aliasNode, section.At("aliases")));
            }
        }

        var matchers = ReadMatchers(section);
        var kubernetes = CatalogSourceReader.Kubernetes(section, name);
        var scope = TemplateScope.For(kubernetes: section.Has("kubernetes") && !section.IsNull("kubernetes"), isDefault: false);
        var dependsOn = section.Strings("dependsOn") ?? [];
        var entry = new CatalogEntry
        {
            Name = name ?? "",
            Aliases = aliases,
            Match = matchers.Select(m => m.Matcher).ToList(),
            Team = section.String("team"),
            Tier = ReadTier(section),
            Environment = section.String("environment"),
            Kubernetes = kubernetes,
            DependsOn = dependsOn.Select(d => d.Value).ToList(),
            Prometheus = CatalogSourceReader.Prometheus(section, defaults.Prometheus, scope),
            Loki = CatalogSourceReader.Loki(section, defaults.Loki, scope),
            Datadog = CatalogSourceReader.Datadog(section, defaults.Datadog, scope),
            CloudWatch = CatalogSourceReader.CloudWatch(section),
            PagerDuty = section.Has("pagerduty")
                ? CatalogSourceReader.PagerDuty(section)
                : matchers.Select(m => m.Matcher.PagerDutyServiceId).OfType<string>().Select(id => new PagerDutyTarget { ServiceId = id }).FirstOrDefault(),
            Notifications = ReadBindings(section, "notifications"),
            Remediation = CatalogRemediationReader.Read(section, defaults.Remediation, scope),
        };
        return name is null ? null : new ServiceDefinition(entry, path, names, matchers, dependsOn);
    }

    private static string ReadTier(CatalogSection section)
    {
        var tier = section.String("tier") ?? CatalogEntry.StandardTier;
        if (!Tiers.Contains(tier, StringComparer.Ordinal))
        {
            section.Errors.Add(section.Place("tier"), section.At("tier"), $"'{tier}' is not one of {string.Join(", ", Tiers)}");
        }

        return tier;
    }

    private static bool CheckName(CatalogYamlErrors errors, YamlNode node, string path, string name)
    {
        if (name.Length <= 200 && ServiceName().IsMatch(name))
        {
            return true;
        }

        errors.Add(node, path, $"'{name}' is not a service name (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 200)");
        return false;
    }

    private static List<(AlertMatcher Matcher, YamlNode Node, string Path)> ReadMatchers(CatalogSection service)
    {
        var matchers = new List<(AlertMatcher, YamlNode, string)>();
        foreach (var (node, path) in service.Items("match") ?? [])
        {
            if (CatalogSection.Read(service.Errors, node, path, MatcherKeys) is not { } section)
            {
                continue;
            }

            var hasLabels = section.Has("labels") && !section.IsNull("labels");
            var hasPagerDuty = section.Has("pagerdutyService") && !section.IsNull("pagerdutyService");
            if (hasLabels == hasPagerDuty)
            {
                service.Errors.Add(node, path, hasLabels
                    ? "has both labels and pagerdutyService; give one per matcher (list two matchers to accept either)"
                    : "has neither labels nor pagerdutyService");
                continue;
            }

            if (hasPagerDuty)
            {
                if (section.String("pagerdutyService") is { } id
                    && CatalogSourceReader.CheckPagerDutyId(service.Errors, section.Place("pagerdutyService"), section.At("pagerdutyService"), id))
                {
                    matchers.Add((new AlertMatcher { PagerDutyServiceId = id }, node, path));
                }

                continue;
            }

            var before = service.Errors.Count;
            var labels = section.Map("labels", "alert labels");
            if (labels is null || service.Errors.Count > before)
            {
                continue;
            }

            if (labels.Count == 0)
            {
                service.Errors.Add(section.Place("labels"), section.At("labels"), "no labels: a matcher needs at least one label");
                continue;
            }

            matchers.Add((new AlertMatcher { Labels = labels }, node, path));
        }

        return matchers;
    }

    private static IReadOnlyList<IReadOnlyDictionary<string, string>> ReadBindings(CatalogSection service, string key)
    {
        var bindings = new List<IReadOnlyDictionary<string, string>>();
        foreach (var (node, path) in service.Items(key) ?? [])
        {
            if (CatalogSection.ReadMap(service.Errors, node, path, "settings") is { } map)
            {
                bindings.Add(map);
            }
        }

        return bindings;
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex ServiceName();
}

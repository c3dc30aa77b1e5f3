namespace Agents.Hosting.Catalog;

/// <summary>The checks of a catalog file that look at several entries at once: names, matchers and dependencies.</summary>
internal static class CatalogChecks
{
    /// <summary>Every name and alias must be unique, ignoring case. Returns the entries by name and alias.</summary>
    public static Dictionary<string, int> Names(CatalogYamlErrors errors, IReadOnlyList<ServiceDefinition> services)
    {
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < services.Count; i++)
        {
            var service = services[i];
            foreach (var (name, node, path) in service.Names)
            {
                if (!byName.TryGetValue(name, out var owner))
                {
                    byName[name] = i;
                    continue;
                }

                errors.Add(node, path, owner == i
                    ? $"'{name}' is already a name of this entry"
                    : $"'{name}' is already a name of {services[owner].Path} ({services[owner].Entry.Name}); names and aliases are unique, ignoring case");
            }
        }

        return byName;
    }

    /// <summary>
    /// A matcher must be able to win: entries are tried in file order, so a matcher whose every label an earlier
    /// entry's matcher also requires (the same matcher, or one with more labels) never decides anything.
    /// </summary>
    public static void Matchers(CatalogYamlErrors errors, IReadOnlyList<ServiceDefinition> services)
    {
        var earlier = new List<(ServiceDefinition Owner, AlertMatcher Matcher, string Path)>();
        foreach (var service in services)
        {
            var own = new List<(ServiceDefinition, AlertMatcher, string)>();
            foreach (var (matcher, node, path) in service.Matchers)
            {
                if (own.FirstOrDefault(o => Same(o.Item2, matcher)) is { Item3: { } repeated })
                {
                    errors.Add(node, path, $"repeats {repeated}");
                }
                else if (earlier.FirstOrDefault(e => Same(e.Matcher, matcher)) is { Path: { } same } first)
                {
                    errors.Add(node, path, $"the same matcher as {same} ({first.Owner.Entry.Name}), which comes first and so would always win");
                }
                else if (earlier.FirstOrDefault(e => Covers(e.Matcher, matcher)) is { Path: { } wider } cover)
                {
                    errors.Add(node, path, $"can never match first: {wider} ({cover.Owner.Entry.Name}, {cover.Matcher.Describe()}) comes first and matches every alert this matches");
                }

                own.Add((service, matcher, path));
            }

            earlier.AddRange(own);
        }
    }

    /// <summary>
    /// A service may not depend on itself, list a dependency twice, or close a cycle. A dependency the catalog does not
    /// list is allowed (it is resolved to the default entry); one named by an alias is rewritten to the entry's name.
    /// </summary>
    public static List<ServiceDefinition> Dependencies(CatalogYamlErrors errors, IReadOnlyList<ServiceDefinition> services, IReadOnlyDictionary<string, int> byName)
    {
        var result = new List<ServiceDefinition>();
        var edges = new List<List<(int Target, Place At)>>();
        for (var i = 0; i < services.Count; i++)
        {
            var service = services[i];
            var path = $"{service.Path}.dependsOn";
            var names = new List<string>();
            var known = new List<(int, Place)>();
            foreach (var (dependency, node) in service.DependsOn)
            {
                var listed = byName.TryGetValue(dependency, out var target);
                var name = listed ? services[target].Entry.Name : dependency;
                if (listed && target == i)
                {
                    errors.Add(node, path, $"'{dependency}' is this service itself");
                }
                else if (names.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    errors.Add(node, path, name == dependency ? $"'{dependency}' is listed twice" : $"'{dependency}' is listed twice (it is {name})");
                }
                else
                {
                    names.Add(name);
                    if (listed)
                    {
                        known.Add((target, new Place(node, path)));
                    }
                }
            }

            edges.Add(known);
            result.Add(service with { Entry = service.Entry with { DependsOn = names } });
        }

        ReportCycles(errors, services, edges);
        return result;
    }

    private static void ReportCycles(CatalogYamlErrors errors, IReadOnlyList<ServiceDefinition> services, List<List<(int Target, Place At)>> edges)
    {
        var state = new int[services.Count]; // 0 not seen, 1 on the path being followed, 2 done
        var path = new List<int>();
        var reported = new HashSet<string>(StringComparer.Ordinal);

        void Visit(int service)
        {
            state[service] = 1;
            path.Add(service);
            foreach (var (target, at) in edges[service])
            {
                if (state[target] == 1)
                {
                    var cycle = path.Skip(path.IndexOf(target)).ToList();
                    if (reported.Add(string.Join(",", cycle.Order())))
                    {
                        var names = cycle.Append(target).Select(c => services[c].Entry.Name);
                        errors.Add(at.Node, at.Path, $"a dependency cycle: {string.Join(" -> ", names)}");
                    }
                }
                else if (state[target] == 0)
                {
                    Visit(target);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[service] = 2;
        }

        for (var i = 0; i < services.Count; i++)
        {
            if (state[i] == 0)
            {
                Visit(i);
            }
        }
    }

    private static bool Same(AlertMatcher a, AlertMatcher b) =>
        a.PagerDutyServiceId is { } id
            ? string.Equals(id, b.PagerDutyServiceId, StringComparison.Ordinal)
            : b.PagerDutyServiceId is null && a.Labels.Count == b.Labels.Count && Covers(a, b);

    /// <summary>True when every alert <paramref name="narrower"/> matches is matched by <paramref name="wider"/> (labels only).</summary>
    private static bool Covers(AlertMatcher wider, AlertMatcher narrower) =>
        wider.PagerDutyServiceId is null && narrower.PagerDutyServiceId is null && wider.Labels.Count > 0
        && wider.Labels.All(l => narrower.Labels.TryGetValue(l.Key, out var value) && string.Equals(value, l.Value, StringComparison.Ordinal));

    private sealed record Place(YamlDotNet.RepresentationModel.YamlNode Node, string Path);
}

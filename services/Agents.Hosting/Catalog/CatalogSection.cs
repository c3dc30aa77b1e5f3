using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Agents.Hosting.Catalog;

/// <summary>
/// A YAML mapping of the catalog file with a fixed set of keys (any other key is reported), and typed readers for its
/// values that report what is wrong at the value's place. A key that is absent and a key set to <c>null</c> are told
/// apart (<see cref="Has"/>, <see cref="IsNull"/>): an entry inherits the first and switches a query off with the second.
/// </summary>
internal sealed class CatalogSection
{
    private readonly Dictionary<string, YamlNode> _values;

    private CatalogSection(CatalogYamlErrors errors, YamlMappingNode node, string path, Dictionary<string, YamlNode> values)
    {
        Errors = errors;
        Node = node;
        Path = path;
        _values = values;
    }

    public CatalogYamlErrors Errors { get; }

    public YamlMappingNode Node { get; }

    /// <summary>e.g. <c>services[2].kubernetes</c>; empty for the file itself.</summary>
    public string Path { get; }

    /// <summary>The mapping at <paramref name="node"/>, or null (reported) when it is not one; unknown keys are reported.</summary>
    public static CatalogSection? Read(CatalogYamlErrors errors, YamlNode node, string path, IReadOnlyList<string> keys)
    {
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(node, path, $"expected a mapping with the keys {string.Join(", ", keys)}; found {Describe(node)}");
            return null;
        }

        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                errors.Add(key, path, $"a key must be a name; found {Describe(key)}");
            }
            else if (!keys.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(key, Join(path, name), $"unknown key (known here: {string.Join(", ", keys)})");
            }
            else
            {
                values[name] = value;
            }
        }

        return new CatalogSection(errors, mapping, path, values);
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>True for a plain <c>null</c>, <c>~</c> or nothing at all.</summary>
    public static bool IsNullNode(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public string At(string key) => Join(Path, key);

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>True when the key is present and set to null (<c>key: null</c>, <c>key: ~</c> or <c>key:</c>).</summary>
    public bool IsNull(string key) => _values.TryGetValue(key, out var node) && IsNullNode(node);

    /// <summary>The key's value node; null when the key is absent.</summary>
    public YamlNode? Value(string key) => _values.GetValueOrDefault(key);

    /// <summary>The node to report a problem of the key at: its value, else the mapping.</summary>
    public YamlNode Place(string key) => Value(key) ?? Node;

    /// <summary>The key's text; null when absent or null. Anything but a non-empty scalar is reported.</summary>
    public string? String(string key)
    {
        if (Value(key) is not { } node || IsNullNode(node))
        {
            return null;
        }

        return Text(node, At(key));
    }

    /// <summary>The key's text; reported when absent, null or empty.</summary>
    public string? RequiredString(string key, string what)
    {
        if (Value(key) is not { } node || IsNullNode(node))
        {
            Errors.Add(Place(key), At(key), $"required: {what}");
            return null;
        }

        return Text(node, At(key));
    }

    /// <summary><c>true</c> or <c>false</c>; null when absent or null.</summary>
    public bool? Bool(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Errors.Add(Place(key), At(key), $"'{text}' is not true or false");
        return null;
    }

    /// <summary>The key's list of texts (each with its node); null when absent or null.</summary>
    public IReadOnlyList<(string Value, YamlNode Node)>? Strings(string key)
    {
        var items = Items(key);
        if (items is null)
        {
            return null;
        }

        var texts = new List<(string, YamlNode)>();
        foreach (var (node, path) in items)
        {
            if (Text(node, path) is { } text)
            {
                texts.Add((text, node));
            }
        }

        return texts;
    }

    /// <summary>The items of the key's list, each with its path (<c>services[0].match[1]</c>); null when absent or null.</summary>
    public IReadOnlyList<(YamlNode Node, string Path)>? Items(string key)
    {
        if (Value(key) is not { } node || IsNullNode(node))
        {
            return null;
        }

        if (node is not YamlSequenceNode sequence)
        {
            Errors.Add(node, At(key), $"expected a list; found {Describe(node)}");
            return null;
        }

        return sequence.Children.Select((item, i) => (item, $"{At(key)}[{i}]")).ToList();
    }

    /// <summary>The key's mapping of names to texts, none of them empty; null when absent or null.</summary>
    public IReadOnlyDictionary<string, string>? Map(string key, string what)
    {
        if (Value(key) is not { } node || IsNullNode(node))
        {
            return null;
        }

        return ReadMap(Errors, node, At(key), what);
    }

    /// <summary>A mapping of names to texts (label matchers, dimensions, bindings), reporting empty names and values.</summary>
    public static IReadOnlyDictionary<string, string>? ReadMap(CatalogYamlErrors errors, YamlNode node, string path, string what)
    {
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(node, path, $"expected a mapping of {what}; found {Describe(node)}");
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: var name } || string.IsNullOrWhiteSpace(name))
            {
                errors.Add(key, path, $"a name of {what} is empty");
                continue;
            }

            var at = $"{path}.{name}";
            if (value is not YamlScalarNode scalar || IsNullNode(scalar) || string.IsNullOrWhiteSpace(scalar.Value))
            {
                errors.Add(value, at, value is YamlScalarNode ? "the value is empty" : $"expected a text; found {Describe(value)}");
                continue;
            }

            map[name] = scalar.Value;
        }

        return map;
    }

    /// <summary>The key's mapping as a section with <paramref name="keys"/>; null when absent or null.</summary>
    public CatalogSection? Section(string key, IReadOnlyList<string> keys) =>
        Value(key) is { } node && !IsNullNode(node) ? Read(Errors, node, At(key), keys) : null;

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNullNode(scalar) => "nothing (null)",
        YamlScalarNode { Value: var value } => $"'{value}'",
        _ => "something else",
    };

    private string? Text(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar || IsNullNode(scalar))
        {
            Errors.Add(node, path, $"expected a text; found {Describe(node)}");
            return null;
        }

        if (string.IsNullOrWhiteSpace(scalar.Value))
        {
            Errors.Add(node, path, "is empty");
            return null;
        }

        return scalar.Value;
    }
}

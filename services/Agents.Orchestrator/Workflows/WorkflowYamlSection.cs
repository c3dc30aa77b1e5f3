using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// A YAML mapping of the workflow file with a fixed set of keys (any other key is reported), and typed readers for its
/// values that report what is wrong at the value's place, with its path (e.g. <c>workflows.security.steps.triage</c>).
/// </summary>
internal sealed class WorkflowYamlSection
{
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _values;

    private WorkflowYamlSection(WorkflowYamlErrors errors, YamlMappingNode node, string path, Dictionary<string, (YamlNode, YamlNode)> values)
    {
        Errors = errors;
        Node = node;
        Path = path;
        _values = values;
    }

    public WorkflowYamlErrors Errors { get; }

    public YamlMappingNode Node { get; }

    /// <summary>e.g. <c>workflows.security</c>; empty for the file itself.</summary>
    public string Path { get; }

    /// <summary>The mapping at <paramref name="node"/>, or null (reported) when it is not one; unknown keys are reported.</summary>
    public static WorkflowYamlSection? Read(WorkflowYamlErrors errors, YamlNode node, string path, IReadOnlyList<string> keys)
    {
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(node, path, $"expected a mapping with the keys {string.Join(", ", keys)}; found {Describe(node)}");
            return null;
        }

        var values = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (key, value) in Entries(errors, mapping, path))
        {
            if (!keys.Contains(key.Name, StringComparer.Ordinal))
            {
                errors.Add(key.Node, Join(path, key.Name), $"unknown key (known here: {string.Join(", ", keys)})");
            }
            else
            {
                values[key.Name] = (key.Node, value);
            }
        }

        return new WorkflowYamlSection(errors, mapping, path, values);
    }

    /// <summary>The entries of a mapping whose keys are names, in file order; any other key is reported.</summary>
    public static IEnumerable<((string Name, YamlNode Node) Key, YamlNode Value)> Entries(WorkflowYamlErrors errors, YamlMappingNode mapping, string path)
    {
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name } || IsNullNode(key))
            {
                errors.Add(key, path, $"a key must be a name; found {Describe(key)}");
                continue;
            }

            yield return ((name, key), value);
        }
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>True for a plain <c>null</c>, <c>~</c> or nothing at all.</summary>
    public static bool IsNullNode(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public string At(string key) => Join(Path, key);

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The key's value node; null when the key is absent.</summary>
    public YamlNode? Value(string key) => _values.TryGetValue(key, out var entry) ? entry.Value : null;

    /// <summary>The key's value node, null when the key is absent or set to null.</summary>
    public YamlNode? Given(string key) => Value(key) is { } node && !IsNullNode(node) ? node : null;

    /// <summary>The node of the key itself; the mapping when the key is absent.</summary>
    public YamlNode KeyPlace(string key) => _values.TryGetValue(key, out var entry) ? entry.Key : Node;

    /// <summary>The node to report a problem of the key at: its value, else the mapping.</summary>
    public YamlNode Place(string key) => Value(key) ?? Node;

    /// <summary>The key's text; null when absent or null. Anything but a non-empty scalar is reported.</summary>
    public string? String(string key) => Given(key) is { } node ? Text(Errors, node, At(key)) : null;

    /// <summary>The key's whole number; null when absent, null or not one (reported).</summary>
    public int? Int(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Errors.Add(Place(key), At(key), $"'{text}' is not a whole number");
        return null;
    }

    /// <summary>The key's number; null when absent, null or not one (reported).</summary>
    public double? Double(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Errors.Add(Place(key), At(key), $"'{text}' is not a number");
        return null;
    }

    /// <summary>
    /// The key's list of texts, each with its node; a single text counts as a one-element list when
    /// <paramref name="scalarAllowed"/>. Null when absent or null (reported when neither a list nor an allowed text).
    /// </summary>
    public IReadOnlyList<(string Value, YamlNode Node)>? Strings(string key, bool scalarAllowed = false) =>
        Given(key) is { } node ? ReadStrings(Errors, node, At(key), scalarAllowed) : null;

    /// <summary>A list of texts, or (when <paramref name="scalarAllowed"/>) one text; null when it is neither (reported).</summary>
    public static IReadOnlyList<(string Value, YamlNode Node)>? ReadStrings(WorkflowYamlErrors errors, YamlNode node, string path, bool scalarAllowed)
    {
        if (scalarAllowed && node is YamlScalarNode && !IsNullNode(node))
        {
            return Text(errors, node, path) is { } single ? [(single, node)] : null;
        }

        if (node is not YamlSequenceNode sequence)
        {
            errors.Add(node, path, $"expected a list{(scalarAllowed ? " or a single value" : "")}; found {Describe(node)}");
            return null;
        }

        var texts = new List<(string, YamlNode)>();
        foreach (var item in sequence.Children)
        {
            if (Text(errors, item, path) is { } text)
            {
                texts.Add((text, item));
            }
        }

        return texts;
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNullNode(scalar) => "nothing (null)",
        YamlScalarNode { Value: var value } => $"'{value}'",
        _ => "something else",
    };

    /// <summary>The text of a non-empty scalar; anything else is reported.</summary>
    public static string? Text(WorkflowYamlErrors errors, YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar || IsNullNode(scalar))
        {
            errors.Add(node, path, $"expected a text; found {Describe(node)}");
            return null;
        }

        if (string.IsNullOrWhiteSpace(scalar.Value))
        {
            errors.Add(node, path, "is empty");
            return null;
        }

        return scalar.Value;
    }
}

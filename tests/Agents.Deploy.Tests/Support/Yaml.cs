using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Agents.Deploy.Tests.Support;

/// <summary>
/// YAML as generic trees: mappings are <see cref="IDictionary{TKey,TValue}"/> of object to object, sequences
/// <see cref="IList{T}"/> of object, scalars strings (untyped: <c>2</c> and <c>"2"</c> both read "2"), null for empty.
/// </summary>
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a multi-document stream (empty documents left out).</summary>
    public static IReadOnlyList<object> LoadAll(string text)
    {
        var documents = new List<object>();
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Deserializer.Deserialize<object?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    /// <summary>
    /// Resolves YAML merge keys (<c>&lt;&lt;: *anchor</c> or a list of them) the way Compose does: the merged
    /// mappings' keys first, the mapping's own keys over them. Aliases were already resolved to shared nodes by
    /// the deserializer, so the result is a fresh tree.
    /// </summary>
    public static object? ResolveMerges(object? node)
    {
        switch (node)
        {
            case IDictionary<object, object?> map:
                var result = new Dictionary<object, object?>();
                if (map.TryGetValue("<<", out var merged))
                {
                    var sources = merged is IList<object?> list ? list : [merged];
                    foreach (var source in sources)
                    {
                        if (ResolveMerges(source) is IDictionary<object, object?> resolved)
                        {
                            foreach (var (key, value) in resolved)
                            {
                                result[key] = value;
                            }
                        }
                    }
                }

                foreach (var (key, value) in map)
                {
                    if (!Equals(key, "<<"))
                    {
                        result[key] = ResolveMerges(value);
                    }
                }

                return result;
            case IList<object?> items:
                return items.Select(ResolveMerges).ToList();
            default:
                return node;
        }
    }

    /// <summary>The node at <paramref name="path"/> (mapping keys), or null when any step is missing.</summary>
    public static object? At(this object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not IDictionary<object, object?> map || !map.TryGetValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? Str(this object? node, params string[] path) => node.At(path) switch
    {
        null => null,
        string s => s,
        var other => Convert.ToString(other, CultureInfo.InvariantCulture),
    };

    public static int? Int(this object? node, params string[] path) =>
        int.TryParse(node.Str(path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static bool? Bool(this object? node, params string[] path) =>
        bool.TryParse(node.Str(path), out var value) ? value : null;

    public static IDictionary<object, object?>? Map(this object? node, params string[] path) =>
        node.At(path) as IDictionary<object, object?>;

    /// <summary>The sequence at <paramref name="path"/>; empty when missing.</summary>
    public static IReadOnlyList<object?> List(this object? node, params string[] path) =>
        node.At(path) is IList<object?> list ? list.ToList() : [];

    /// <summary>The string entries of the mapping at <paramref name="path"/>; empty when missing.</summary>
    public static IReadOnlyDictionary<string, string?> StringMap(this object? node, params string[] path) =>
        node.Map(path)?.ToDictionary(e => Convert.ToString(e.Key, CultureInfo.InvariantCulture)!, e => e.Value.Str())
        ?? new Dictionary<string, string?>();
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Agents.Hosting.Llm;

/// <summary>
/// JSON schemas for structured output in strict mode (OpenAI and Azure OpenAI, <c>"strict": true</c>): the model's answer
/// is then constrained to the schema rather than guided by it, and the service refuses a schema that breaks the strict
/// rules. <see cref="Create"/> builds such a schema for a type; <see cref="Problems"/> lists the rules a schema breaks.
/// </summary>
public static class StrictSchema
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key that makes the OpenAI adapter send <c>"strict": true</c>.</summary>
    public const string OptionKey = "strict";

    /// <summary>The most levels of nested objects a strict schema may have.</summary>
    public const int MaxDepth = 5;

    /// <summary>The most properties a strict schema may have, all objects together.</summary>
    public const int MaxProperties = 100;

    /// <summary>The keywords strict mode accepts; anything else is refused (minLength, format, default, allOf, ...).</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs",
        "definitions", "description", "title",
    };

    private static readonly string[] Types = ["object", "array", "string", "number", "integer", "boolean", "null"];

    private static readonly AIJsonSchemaCreateOptions Options = new()
    {
        TransformOptions = new()
        {
            DisallowAdditionalProperties = true,
            RequireAllProperties = true,
            MoveDefaultKeywordToDescription = true,
            ConvertBooleanSchemas = true,
            TransformSchemaNode = (_, node) => MoveUnsupportedToDescription(node),
        },
    };

    /// <summary>
    /// The strict schema of <paramref name="type"/> as <paramref name="serializerOptions"/> read it: every object closed
    /// (<c>additionalProperties: false</c>), every property required (a nullable one admits <c>null</c>, so the model
    /// answers null where the record has nothing), and a keyword strict mode refuses (a string's format, a length, a
    /// range) moved into the description, where the model still reads it. A type that still breaks a rule (an open
    /// map, an untyped value) is refused here, at start-up, rather than by the service on every call.
    /// </summary>
    public static JsonElement Create(Type type, JsonSerializerOptions serializerOptions)
    {
        var schema = AIJsonUtilities.CreateJsonSchema(type, serializerOptions: serializerOptions, inferenceOptions: Options);
        return Problems(schema) is [_, ..] problems
            ? throw new InvalidOperationException($"{type.Name} cannot be asked for in strict mode: {string.Join(" ", problems)}")
            : schema;
    }

    /// <summary>
    /// The strict-mode rules <paramref name="schema"/> breaks, each in the service's own words with the JSON path of the
    /// offending schema as its context (<c>In context=('properties', 'parameters'), ...</c>); empty when it is valid.
    /// </summary>
    public static IReadOnlyList<string> Problems(JsonElement schema)
    {
        List<string> problems = [];
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            var got = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var t) ? t.ToString() : "None";
            problems.Add($"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'.");
        }

        var properties = 0;
        Walk(schema, [], 1, problems, ref properties);
        if (properties > MaxProperties)
        {
            problems.Add($"In context=(), the schema has {properties} properties; at most {MaxProperties} are permitted.");
        }

        return problems;
    }

    private static void Walk(JsonElement node, List<string> path, int depth, List<string> problems, ref int propertyCount)
    {
        var context = Context(path);
        if (node.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"In context={context}, schema must be an object, got '{node.ValueKind.ToString().ToLowerInvariant()}'.");
            return;
        }

        foreach (var keyword in node.EnumerateObject().Select(p => p.Name).Where(k => !Keywords.Contains(k)))
        {
            problems.Add($"In context={context}, '{keyword}' is not permitted.");
        }

        var types = node.TryGetProperty("type", out var type)
            ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.ToString()).ToList() : [type.ToString()]
            : [];
        if (types.Count == 0 && !new[] { "anyOf", "$ref", "enum", "const" }.Any(k => node.TryGetProperty(k, out _)))
        {
            problems.Add($"In context={context}, schema must have a 'type' key.");
        }

        foreach (var unknown in types.Where(t => !Types.Contains(t)))
        {
            problems.Add($"In context={context}, type '{unknown}' is not supported.");
        }

        if (types.Contains("object") || node.TryGetProperty("properties", out _))
        {
            CheckObject(node, path, depth, problems, ref propertyCount);
        }

        if (node.TryGetProperty("items", out var items))
        {
            Walk(items, [.. path, "items"], depth, problems, ref propertyCount);
        }

        if (node.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var branch in anyOf.EnumerateArray())
            {
                Walk(branch, [.. path, "anyOf", (index++).ToString(System.Globalization.CultureInfo.InvariantCulture)], depth, problems, ref propertyCount);
            }
        }

        foreach (var defs in new[] { "$defs", "definitions" })
        {
            if (node.TryGetProperty(defs, out var definitions) && definitions.ValueKind == JsonValueKind.Object)
            {
                foreach (var definition in definitions.EnumerateObject())
                {
                    Walk(definition.Value, [.. path, defs, definition.Name], depth, problems, ref propertyCount);
                }
            }
        }
    }

    private static void CheckObject(JsonElement node, List<string> path, int depth, List<string> problems, ref int propertyCount)
    {
        var context = Context(path);
        if (depth > MaxDepth)
        {
            problems.Add($"In context={context}, objects are nested {depth} levels deep; at most {MaxDepth} are permitted.");
        }

        if (!node.TryGetProperty("additionalProperties", out var additional) || additional.ValueKind != JsonValueKind.False)
        {
            problems.Add($"In context={context}, 'additionalProperties' is required to be supplied and to be false.");
        }

        var names = node.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            ? properties.EnumerateObject().Select(p => p.Name).ToList()
            : [];
        var required = node.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(r => r.ToString()).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var missing in names.Where(n => !required.Contains(n)))
        {
            problems.Add($"In context={context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '{missing}'.");
        }

        propertyCount += names.Count;
        foreach (var name in names)
        {
            Walk(properties.GetProperty(name), [.. path, "properties", name], depth + 1, problems, ref propertyCount);
        }
    }

    /// <summary>The path as the service writes it: a Python tuple of the keys, <c>()</c> at the root.</summary>
    private static string Context(List<string> path) => path.Count switch
    {
        0 => "()",
        1 => $"('{path[0]}',)",
        _ => $"({string.Join(", ", path.Select(p => $"'{p}'"))})",
    };

    private static JsonNode MoveUnsupportedToDescription(JsonNode node)
    {
        if (node is not JsonObject schema)
        {
            return node;
        }

        var moved = new StringBuilder();
        foreach (var (keyword, value) in schema.ToList())
        {
            // Nested schemas and property names are not keywords of this node: only its own keywords are looked at.
            if (!Keywords.Contains(keyword))
            {
                _ = schema.Remove(keyword);
                moved.Append(moved.Length > 0 ? "; " : "").Append(keyword).Append(": ").Append(value?.ToJsonString());
            }
        }

        if (moved.Length > 0)
        {
            schema["description"] = schema["description"] is { } description ? $"{description} ({moved})" : moved.ToString();
        }

        return schema;
    }
}

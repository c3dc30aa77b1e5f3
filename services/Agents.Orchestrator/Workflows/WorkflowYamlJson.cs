using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// Turns a plug-in step's <c>settings:</c> mapping into a JSON object: mappings become objects, lists arrays, and a
/// plain (unquoted, untagged) scalar that reads as a number, <c>true</c>/<c>false</c> or null becomes that; any other
/// scalar a string.
/// </summary>
internal static partial class WorkflowYamlJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON object of the mapping at <paramref name="node"/>; null when it is not one, or is larger than <paramref name="maxBytes"/> (reported).</summary>
    public static JsonElement? Object(WorkflowYamlErrors errors, YamlNode node, string path, int maxBytes)
    {
        if (node is not YamlMappingNode)
        {
            errors.Add(node, path, $"expected a mapping of settings; found {WorkflowYamlSection.Describe(node)}");
            return null;
        }

        var before = errors.Count;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, errors, node, path);
        }

        if (errors.Count > before)
        {
            return null;
        }

        if (buffer.Length > maxBytes)
        {
            errors.Add(node, path, $"{buffer.Length} bytes as JSON; settings may have at most {maxBytes} bytes");
            return null;
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter writer, WorkflowYamlErrors errors, YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name } || WorkflowYamlSection.IsNullNode(key))
                    {
                        errors.Add(key, path, $"a key of the settings must be a text; found {WorkflowYamlSection.Describe(key)}");
                        continue;
                    }

                    writer.WritePropertyName(name);
                    Write(writer, errors, value, $"{path}.{name}");
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    Write(writer, errors, item, $"{path}[{index++}]");
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                Scalar(writer, scalar);
                break;
            default:
                errors.Add(node, path, $"expected a mapping, a list or a value; found {WorkflowYamlSection.Describe(node)}");
                writer.WriteNullValue();
                break;
        }
    }

    private static void Scalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && scalar.Tag.IsEmpty;
        if (!plain)
        {
            writer.WriteStringValue(text);
        }
        else if (WorkflowYamlSection.IsNullNode(scalar))
        {
            writer.WriteNullValue();
        }
        else if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(text[0] is 't' or 'T');
        }
        else if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (Number().IsMatch(text) && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumberValue(number);
        }
        else if (Number().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            writer.WriteNumberValue(real);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Number();
}

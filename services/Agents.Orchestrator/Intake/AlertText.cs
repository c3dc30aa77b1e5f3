using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Agents.Orchestrator.Intake;

/// <summary>Pieces of the reasons given for rejected alerts: short, single-line, safe to put in a header.</summary>
internal static class AlertText
{
    private const int MaxQuoted = 60;
    private const int MaxKey = 40;
    private const int MaxKeysText = 180;

    /// <summary>The JSON type of a value as an operator would name it: a string, a number, a boolean, an object, an array or null.</summary>
    public static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null or JsonValueKind.Undefined => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "an unknown value",
    };

    /// <summary>A value quoted for a reason: single line, cut to a few dozen characters.</summary>
    public static string Quote(string value) => $"'{Limit(value, MaxQuoted)}'";

    /// <summary>The keys of an object, each cut to a few dozen characters, as many as fit in about 180 characters.</summary>
    public static string Keys(JsonObject json)
    {
        if (json.Count == 0)
        {
            return "none (empty object)";
        }

        var shown = new List<string>();
        var length = 0;
        foreach (var (key, _) in json)
        {
            var name = Limit(key, MaxKey);
            if (shown.Count > 0 && length + name.Length + 2 > MaxKeysText)
            {
                break;
            }

            shown.Add(name);
            length += name.Length + 2;
        }

        var rest = json.Count > shown.Count ? $" and {json.Count - shown.Count} more" : "";
        return string.Join(", ", shown) + rest;
    }

    /// <summary>The text on one line (control characters become spaces), cut to <paramref name="max"/> characters.</summary>
    public static string Limit(string text, int max)
    {
        var builder = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text)
        {
            if (builder.Length == max)
            {
                builder.Length = max - 1;
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}

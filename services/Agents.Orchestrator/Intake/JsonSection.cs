using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// One JSON object of an alert message, read for one format. Strings are trimmed and an empty string, like
/// <c>null</c>, counts as absent. A value of the wrong type is a problem: it is added to the given list, or,
/// without a list, thrown as an <see cref="AlertFormatException"/> naming the format and the value's path.
/// </summary>
internal sealed class JsonSection(JsonObject json, string path, string format)
{
    private JsonObject Json { get; } = json;

    /// <summary>Where the object is in the message (<c>event.data</c>, <c>alerts[1]</c>); empty for the root.</summary>
    public string Path { get; } = path;

    /// <summary>What the message was read as (<c>PagerDuty v3 webhook</c>, ...), the start of every reason.</summary>
    public string Format { get; } = format;

    public string PathOf(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    /// <summary>A string property, trimmed; null when absent, null or empty.</summary>
    public string? String(string name, ICollection<string>? problems = null)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
            ? Blank(StringValue(node))
            : Problem(WrongType(PathOf(name), "a string", node), problems);
    }

    /// <summary>A string, number or boolean property as text (numbers and booleans as their JSON text).</summary>
    public string? Scalar(string name, ICollection<string>? problems = null)
    {
        var node = Node(name);
        return node is null ? null : ScalarText(node, PathOf(name), problems);
    }

    /// <summary>An object property; null when absent or null.</summary>
    public JsonSection? Object(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        return node is JsonObject child
            ? new JsonSection(child, PathOf(name), Format)
            : throw Error(WrongType(PathOf(name), "an object", node));
    }

    /// <summary>An object property that must be there.</summary>
    public JsonSection RequiredObject(string name, string why) =>
        Object(name) ?? throw Error($"'{PathOf(name)}' is missing: {why}");

    /// <summary>An array property; null when absent or null.</summary>
    public JsonArray? Array(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        return node as JsonArray ?? throw Error(WrongType(PathOf(name), "an array", node));
    }

    /// <summary>
    /// A date property: an ISO-8601 string, read as UTC when it has no offset. Null when absent, empty or the zero
    /// date (<c>0001-01-01T00:00:00Z</c>, which Go producers send for "not set").
    /// </summary>
    public DateTimeOffset? Date(string name, ICollection<string>? problems = null)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            Report(WrongType(PathOf(name), "an ISO-8601 date string", node), problems);
            return null;
        }

        if (Blank(StringValue(node)) is not { } text)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            Report($"'{PathOf(name)}' is not an ISO-8601 date: {AlertText.Quote(text)}", problems);
            return null;
        }

        return value.UtcDateTime.Year == 1 ? null : value;
    }

    /// <summary>
    /// An object of labels or annotations: string values trimmed, numbers and booleans as their JSON text, null and
    /// empty values (and empty names) left out. A nested object or array is a problem. Empty when absent.
    /// </summary>
    public Dictionary<string, string> Map(string name, ICollection<string>? problems = null)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var node = Node(name);
        if (node is null)
        {
            return map;
        }

        if (node is not JsonObject values)
        {
            Report(WrongType(PathOf(name), "an object", node), problems);
            return map;
        }

        foreach (var (key, value) in values)
        {
            if (Blank(key) is not { } trimmedKey || value is null)
            {
                continue;
            }

            if (ScalarText(value, $"{PathOf(name)}.{trimmedKey}", problems) is { } text)
            {
                map[trimmedKey] = text;
            }
        }

        return map;
    }

    /// <summary>Best effort, for details that only decorate an alert: a string, number or boolean as text, else null.</summary>
    public string? TextOrNull(string name)
    {
        var node = Node(name);
        return node?.GetValueKind() switch
        {
            JsonValueKind.String => Blank(StringValue(node)),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => node.ToJsonString(),
            _ => null,
        };
    }

    /// <summary>Best effort, for details that only decorate an alert: the object, else null whatever is there.</summary>
    public JsonSection? ObjectOrNull(string name) =>
        Node(name) is JsonObject child ? new JsonSection(child, PathOf(name), Format) : null;

    /// <summary>Best effort: the <c>summary</c> of each object in an array of PagerDuty references, joined by commas.</summary>
    public string? SummariesOrNull(string name)
    {
        if (Node(name) is not JsonArray items)
        {
            return null;
        }

        var summaries = items
            .OfType<JsonObject>()
            .Select(item => new JsonSection(item, "", Format).TextOrNull("summary"))
            .OfType<string>()
            .ToList();
        return summaries.Count == 0 ? null : string.Join(", ", summaries);
    }

    /// <summary>The problem as an exception, prefixed with the format.</summary>
    public AlertFormatException Error(string problem) => new($"{Format}: {problem}");

    public static string WrongType(string path, string expected, JsonNode? node) =>
        $"'{path}' must be {expected}, found {AlertText.Kind(node)}";

    private string? ScalarText(JsonNode node, string at, ICollection<string>? problems) => node.GetValueKind() switch
    {
        JsonValueKind.String => Blank(StringValue(node)),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => node.ToJsonString(),
        JsonValueKind.Null => null,
        _ => Problem(WrongType(at, "a string, number or boolean", node), problems),
    };

    private JsonNode? Node(string name) =>
        Json.TryGetPropertyValue(name, out var node) && node?.GetValueKind() != JsonValueKind.Null ? node : null;

    private string? Problem(string problem, ICollection<string>? problems)
    {
        Report(problem, problems);
        return null;
    }

    private void Report(string problem, ICollection<string>? problems)
    {
        if (problems is null)
        {
            throw Error(problem);
        }

        problems.Add(problem);
    }

    /// <summary>
    /// The text of a string value. A node built in code may hold a Guid, a date or an enum that JSON writes as a
    /// string but that does not convert to one: its JSON text is read back instead.
    /// </summary>
    private static string? StringValue(JsonNode node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : JsonSerializer.Deserialize<string>(node.ToJsonString());

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

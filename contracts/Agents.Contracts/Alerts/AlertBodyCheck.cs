using System.Text.Json;
using System.Text.Unicode;

namespace Agents.Contracts.Alerts;

/// <summary>Why an alert body was refused; the value is the <c>reason</c> label of the ingress metrics and the problem's <c>reason</c>.</summary>
public static class AlertRejections
{
    public const string TooLarge = "too_large";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string InvalidJson = "invalid_json";
    public const string NotAnObject = "not_an_object";
    public const string TooDeep = "too_deep";
    public const string TooManyItems = "too_many_alerts";
    public const string TooManyProperties = "too_many_labels";
    public const string ValueTooLong = "value_too_long";
    public const string ControlCharacter = "control_character";
    public const string LoneSurrogate = "lone_surrogate";
    public const string DuplicateKey = "duplicate_key";
}

/// <summary>A refused body: the reason code (<see cref="AlertRejections"/>) and a sentence for a human, with the JSON path.</summary>
public sealed record AlertBodyProblem(string Reason, string Message);

/// <summary>
/// Checks an alert body against <see cref="AlertLimits"/> in one forward pass over its bytes, before any parser builds
/// anything from it: valid UTF-8, one JSON object, nesting, array and object sizes, string lengths (label and annotation
/// values, names and numbers to <see cref="AlertLimits.MaxValueLength"/>, other text such as a Grafana message to
/// <see cref="AlertLimits.MaxTextLength"/>), no control characters other than tab, line feed and carriage return (C0,
/// DEL and C1; a <c>\u0000</c> cannot be stored by PostgreSQL), no lone
/// surrogates, no duplicate property names, ignoring case (two parsers could read two different alerts from one body).
/// </summary>
public static class AlertBodyCheck
{
    /// <summary>The first problem with <paramref name="body"/>, or null when it is within every bound.</summary>
    public static AlertBodyProblem? Check(ReadOnlySpan<byte> body, AlertLimits limits)
    {
        if (body.Length > limits.MaxBodyBytes)
        {
            return new(AlertRejections.TooLarge, $"the body is {body.Length} bytes; at most {limits.MaxBodyBytes} are accepted");
        }

        if (!Utf8.IsValid(body))
        {
            return new(AlertRejections.InvalidUtf8, "the body is not valid UTF-8");
        }

        // The reader's own depth limit sits one above ours, so that going too deep is reported as such, with its path.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = limits.MaxDepth + 1 });
        var frames = new Stack<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        if (frames.Count == 0 && reader.TokenType != JsonTokenType.StartObject)
                        {
                            return new(AlertRejections.NotAnObject, "an alert message must be a JSON object, not an array");
                        }

                        if (Counted(frames, limits) is { } full)
                        {
                            return full;
                        }

                        if (frames.Count >= limits.MaxDepth)
                        {
                            return new(AlertRejections.TooDeep, $"nesting deeper than {limits.MaxDepth} levels at {Path(frames)}");
                        }

                        var labels = frames.TryPeek(out var parent) && (parent.Labels || LabelObjects.Contains(parent.Property ?? ""));
                        frames.Push(new Frame(reader.TokenType == JsonTokenType.StartObject, labels));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var frame = frames.Peek();
                        // Problems with a name are the object's: its path without the property read before.
                        frame.Property = null;
                        var name = Text(ref reader, frames, limits.MaxValueLength, out var nameProblem);
                        if (nameProblem is not null)
                        {
                            return nameProblem;
                        }

                        if (!frame.Keys!.Add(name!))
                        {
                            return new(AlertRejections.DuplicateKey, $"the property '{Short(name!)}' appears twice in {Path(frames)} (names that differ only in case count as the same)");
                        }

                        if (frame.Keys.Count > limits.MaxLabels)
                        {
                            return new(AlertRejections.TooManyProperties, $"more than {limits.MaxLabels} properties in {Path(frames)}");
                        }

                        frame.Property = name;
                        break;
                    default:
                        if (frames.Count == 0)
                        {
                            return new(AlertRejections.NotAnObject, $"an alert message must be a JSON object, not a {Kind(reader.TokenType)}");
                        }

                        if (Counted(frames, limits) is { } tooMany)
                        {
                            return tooMany;
                        }

                        if (reader.TokenType == JsonTokenType.Number && reader.ValueSpan.Length > limits.MaxValueLength)
                        {
                            // A number becomes a label's text as written.
                            return new(AlertRejections.ValueTooLong, $"a number of {reader.ValueSpan.Length} digits at {Path(frames)}; at most {limits.MaxValueLength}");
                        }

                        if (reader.TokenType == JsonTokenType.String)
                        {
                            Text(ref reader, frames, frames.Peek().Labels ? limits.MaxValueLength : limits.MaxTextLength, out var valueProblem);
                            if (valueProblem is not null)
                            {
                                return valueProblem;
                            }
                        }

                        break;
                }
            }
        }
        catch (JsonException e)
        {
            return new(AlertRejections.InvalidJson, $"not valid JSON: {FirstSentence(e.Message)}");
        }

        return null;
    }

    /// <summary>Counts a new element of the array on top (objects count their properties instead); too many is a problem.</summary>
    private static AlertBodyProblem? Counted(Stack<Frame> frames, AlertLimits limits)
    {
        if (frames.TryPeek(out var top) && !top.IsObject && ++top.Items > limits.MaxAlerts)
        {
            return new(AlertRejections.TooManyItems, $"more than {limits.MaxAlerts} elements in {Path(frames, element: false)}");
        }

        return null;
    }

    private static string? Text(ref Utf8JsonReader reader, Stack<Frame> frames, int maxLength, out AlertBodyProblem? problem)
    {
        problem = null;
        // An escape (6 bytes at most) decodes to at least one character: a raw span this long is too long for sure.
        if (reader.ValueSpan.Length > maxLength * 6L + 2)
        {
            problem = new(AlertRejections.ValueTooLong, $"a string longer than {maxLength} characters at {Path(frames)}");
            return null;
        }

        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader refuses to decode an escaped surrogate without its pair (\ud800 alone).
            problem = new(AlertRejections.LoneSurrogate, $"a string with an unpaired surrogate escape at {Path(frames)}");
            return null;
        }

        if (text.Length > maxLength)
        {
            problem = new(AlertRejections.ValueTooLong, $"a string of {text.Length} characters at {Path(frames)}; at most {maxLength}");
            return null;
        }

        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                problem = new(AlertRejections.ControlCharacter, $"a control character U+{(int)c:X4} at {Path(frames)}");
                return null;
            }
        }

        return text;
    }

    /// <summary>
    /// Where the reader is, as <c>$.alerts[3].labels.team</c>, for the message; with <paramref name="element"/> false, the
    /// innermost array itself rather than its current element.
    /// </summary>
    private static string Path(Stack<Frame> frames, bool element = true)
    {
        var top = frames.Count > 0 ? frames.Peek() : null;
        var parts = frames.Reverse().Select(f => f.IsObject
            ? f.Property is null ? string.Empty : "." + Short(f.Property)
            : element || f != top ? $"[{Math.Max(0, f.Items - 1)}]" : string.Empty);
        return "$" + string.Concat(parts);
    }

    private static string Short(string name)
    {
        var printable = new string(name.Take(40).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c).ToArray());
        return name.Length > 40 ? printable + "…" : printable;
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        _ => "null",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }

    /// <summary>The objects whose values are labels or annotations (Alertmanager's names; the generic format's too).</summary>
    private static readonly HashSet<string> LabelObjects = new(StringComparer.Ordinal)
    {
        "labels", "annotations", "commonLabels", "commonAnnotations", "groupLabels",
    };

    private sealed class Frame(bool isObject, bool labels)
    {
        public bool IsObject { get; } = isObject;

        /// <summary>Inside the labels or annotations of an alert: values are held to <see cref="AlertLimits.MaxValueLength"/>.</summary>
        public bool Labels { get; } = labels;

        /// <summary>
        /// Names seen, ignoring case: MassTransit reads dictionaries (an alert's labels on every message after the intake)
        /// ignoring case, so <c>team</c> and <c>Team</c> would collide on the way and fail a message that was accepted.
        /// </summary>
        public HashSet<string>? Keys { get; } = isObject ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) : null;

        public string? Property { get; set; }

        public int Items { get; set; }
    }
}

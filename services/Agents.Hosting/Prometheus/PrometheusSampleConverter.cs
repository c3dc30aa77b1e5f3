using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Agents.Hosting.Prometheus;

/// <summary>Reads (and writes) a <see cref="PrometheusSample"/> as the two-element array <c>[1435781451.781, "1"]</c>.</summary>
public sealed class PrometheusSampleConverter : JsonConverter<PrometheusSample>
{
    public override PrometheusSample Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"A sample is [<unix time>, \"<value>\"], not a {reader.TokenType}.");
        }

        if (!reader.Read() || reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException("A sample's first element must be its unix time (a number).");
        }

        var time = reader.GetDouble();
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("A sample's second element must be its value as a string.");
        }

        var text = reader.GetString()!;
        var value = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : ParseSpecial(text);
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("A sample has exactly two elements.");
        }

        return new PrometheusSample(time, value);
    }

    public override void Write(Utf8JsonWriter writer, PrometheusSample value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.UnixSeconds);
        writer.WriteStringValue(value.Value switch
        {
            double.PositiveInfinity => "+Inf",
            double.NegativeInfinity => "-Inf",
            var v when double.IsNaN(v) => "NaN",
            var v => v.ToString("R", CultureInfo.InvariantCulture),
        });
        writer.WriteEndArray();
    }

    // Go's strconv.FormatFloat writes "+Inf", "-Inf" and "NaN"; .NET parses "Infinity" and "NaN" but not "+Inf".
    private static double ParseSpecial(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => throw new JsonException($"A sample's value '{(text.Length > 40 ? text[..40] : text)}' is not a number."),
    };
}

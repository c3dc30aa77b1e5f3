using System.Text.Json.Nodes;
using Agents.Orchestrator.Intake;

namespace Agents.Orchestrator.Tests.Intake;

/// <summary>The sample payloads in <c>Intake/Payloads</c> and short-hands to parse them.</summary>
internal static class IntakePayloads
{
    public static readonly DateTimeOffset ReceivedAt = new(2026, 11, 24, 2, 15, 0, TimeSpan.Zero);

    /// <summary>A fresh copy of a payload file, free to modify.</summary>
    public static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Intake", "Payloads", name)))!.AsObject();

    public static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    public static IReadOnlyList<ParsedAlert> Parse(JsonObject json) => AlertParser.Parse(json, ReceivedAt);

    public static ParsedAlert ParseSingle(JsonObject json) => Assert.Single(Parse(json));

    /// <summary>The reason the parser gives for rejecting <paramref name="json"/> (fails when it does not reject it).</summary>
    public static string Rejection(JsonObject json) => Assert.Throws<AlertFormatException>(() => Parse(json)).Message;

    public static string Rejection(string json) => Rejection(Json(json));
}

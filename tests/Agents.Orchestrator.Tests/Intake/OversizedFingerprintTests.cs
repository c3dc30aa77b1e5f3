using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;
using static Agents.Orchestrator.Tests.Intake.IntakePayloads;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class OversizedFingerprintTests
{
    private static JsonObject Generic(string fingerprint)
    {
        var json = Json("""
            {"source": "uptime-checker", "service": "search-api", "summary": "Health check failing on search-api-3",
             "timestamp": "2026-11-24T02:05:00Z", "labels": {"host": "search-api-3"}}
            """);
        json["fingerprint"] = fingerprint;
        return json;
    }

    /// <summary>A fingerprint of <paramref name="length"/> characters that is not one character repeated.</summary>
    private static string Fingerprint(int length) =>
        string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i * 7 % 26))));

    private static string Sha256Hex(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return string.Concat(hash.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Generic_alert_with_a_300_character_fingerprint_gets_the_sha256_of_it()
    {
        var original = Fingerprint(300);

        var fingerprint = ParseSingle(Generic(original)).Alert.Fingerprint;

        Assert.Equal("sha256-" + Sha256Hex(original), fingerprint);
        Assert.Matches("^sha256-[0-9a-f]{64}$", fingerprint);
        Assert.Equal(71, fingerprint.Length);
    }

    [Fact]
    public void Same_oversized_fingerprint_always_gives_the_same_hash()
    {
        var first = ParseSingle(Generic(Fingerprint(300))).Alert.Fingerprint;
        var again = ParseSingle(Generic(Fingerprint(300))).Alert.Fingerprint;

        Assert.Equal(first, again);
    }

    [Fact]
    public void Different_oversized_fingerprints_give_different_hashes()
    {
        var one = Fingerprint(300);
        var other = one[..299] + "!";

        Assert.NotEqual(ParseSingle(Generic(one)).Alert.Fingerprint, ParseSingle(Generic(other)).Alert.Fingerprint);
    }

    [Fact]
    public void Fingerprint_of_exactly_256_characters_is_kept_as_it_is()
    {
        var original = Fingerprint(AlertLimits.MaxFingerprintLength);

        Assert.Equal(256, original.Length);
        Assert.Equal(original, ParseSingle(Generic(original)).Alert.Fingerprint);
    }

    [Fact]
    public void Fingerprint_of_257_characters_is_hashed()
    {
        var original = Fingerprint(257);

        Assert.Equal("sha256-" + Sha256Hex(original), ParseSingle(Generic(original)).Alert.Fingerprint);
    }

    [Fact]
    public void Oversized_fingerprint_is_hashed_from_its_utf8_bytes()
    {
        var original = string.Concat(Enumerable.Repeat("é-ü-", 75));

        Assert.Equal(300, original.Length);
        Assert.Equal("sha256-" + Sha256Hex(original), ParseSingle(Generic(original)).Alert.Fingerprint);
    }

    [Fact]
    public void Alertmanager_alert_with_an_oversized_fingerprint_is_hashed_too()
    {
        var json = Load("alertmanager-two-firing.json");
        var original = Fingerprint(300);
        json["alerts"]![0]!["fingerprint"] = original;

        var alerts = Parse(json);

        Assert.Equal("sha256-" + Sha256Hex(original), alerts[0].Alert.Fingerprint);
        Assert.Equal("a07e55c1d2f94b38", alerts[1].Alert.Fingerprint);
    }
}

using Agents.Triage.Brain;

namespace Agents.Brains.Tests.Triage;

public sealed class SeverityClassifierTests
{
    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("P1", "critical")]
    [InlineData("sev1", "critical")]
    [InlineData("SEV-1", "critical")]
    [InlineData("page", "critical")]
    [InlineData("emergency", "critical")]
    [InlineData("fatal", "critical")]
    [InlineData("Disaster", "critical")]
    [InlineData("high", "high")]
    [InlineData("p2", "high")]
    [InlineData("sev2", "high")]
    [InlineData("error", "high")]
    [InlineData("major", "high")]
    [InlineData("urgent", "high")]
    [InlineData("medium", "medium")]
    [InlineData("p3", "medium")]
    [InlineData("sev3", "medium")]
    [InlineData("warning", "medium")]
    [InlineData("WARN", "medium")]
    [InlineData("moderate", "medium")]
    [InlineData("average", "medium")]
    [InlineData("low", "low")]
    [InlineData("p4", "low")]
    [InlineData("P5", "low")]
    [InlineData("sev4", "low")]
    [InlineData("sev5", "low")]
    [InlineData("info", "low")]
    [InlineData("informational", "low")]
    [InlineData("minor", "low")]
    [InlineData("none", "low")]
    [InlineData("OK", "low")]
    [InlineData("  Critical \t", "critical")]
    public void Known_producer_severity_maps_to_its_class(string raw, string expected)
    {
        var (severity, recognised) = SeverityClassifier.Classify(raw);

        Assert.Equal(expected, severity);
        Assert.True(recognised);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("catastrophic-ish")]
    [InlineData("p0")]
    public void Missing_or_unknown_severity_is_medium_and_not_recognised(string? raw)
    {
        var (severity, recognised) = SeverityClassifier.Classify(raw);

        Assert.Equal("medium", severity);
        Assert.False(recognised);
    }
}

using System.ComponentModel.DataAnnotations;
using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class ContextOptionsTests
{
    [Fact]
    public void Defaults_give_a_window_from_two_hours_before_to_fifteen_minutes_after_the_alert()
    {
        var at = new DateTimeOffset(2026, 11, 24, 2, 13, 0, TimeSpan.Zero);

        var window = ContextWindow.Around(at, new ContextOptions());

        Assert.Equal(at.AddHours(-2), window.Start);
        Assert.Equal(at.AddMinutes(15), window.End);
        Assert.True(window.Contains(at));
        Assert.False(window.Contains(at.AddMinutes(16)));
        Assert.Equal("Context", ContextOptions.SectionName);
    }

    [Theory]
    [InlineData(0, 15, false)]
    [InlineData(120, 15, true)]
    [InlineData(60 * 24 * 8, 15, false)]
    [InlineData(120, 60 * 25, false)]
    public void Lookback_and_lookahead_are_range_checked(int lookbackMinutes, int lookaheadMinutes, bool valid)
    {
        var options = new ContextOptions { Lookback = TimeSpan.FromMinutes(lookbackMinutes), Lookahead = TimeSpan.FromMinutes(lookaheadMinutes) };

        var ok = Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true);

        Assert.Equal(valid, ok);
    }
}

using Agents.Brains.Tests.Support;
using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class LogPatternGrouperTests
{
    private static readonly DateTimeOffset T0 = Samples.AlertTime;
    private static readonly ContextWindow Window = new(T0.AddHours(-2), T0.AddMinutes(15));

    [Theory]
    [InlineData("payment 4412 failed after 1500ms", "payment <n> failed after <n>ms")]
    [InlineData("order 3f2c1a9e-0b4d-4e6f-9a1b-2c3d4e5f6a7b not found", "order <id> not found")]
    [InlineData("trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 rejected", "trace_id=<hex> span=<hex> rejected")]
    [InlineData("dial tcp 10.0.3.17:5432: connect: connection refused", "dial tcp <ip>: connect: connection refused")]
    [InlineData("upstream 192.168.1.1 timed out", "upstream <ip> timed out")]
    [InlineData("2026-11-24T02:13:00.123Z ERROR boom", "<time> ERROR boom")]
    [InlineData("at 2026-11-24 02:13:00+01:00 retry 3 of 5", "at <time> retry <n> of <n>")]
    [InlineData("pointer 0x7ffd5e8c then 0.75 used", "pointer <hex> then <n> used")]
    [InlineData("  panic:\n\tgoroutine   17 [running]  ", "panic: goroutine <n> [running]")]
    [InlineData("checkout v7.4.2 on http2 with utf8", "checkout v7.4.2 on http2 with utf8")]
    [InlineData("{\"level\":\"error\",\"msg\":\"db down\",\"attempt\":4}", "{\"level\":\"error\",\"msg\":\"db down\",\"attempt\":<n>}")]
    public void Variable_parts_are_replaced_by_placeholders(string line, string pattern)
    {
        Assert.Equal(pattern, LogPatternGrouper.Normalise(line));
    }

    [Fact]
    public void Lines_that_differ_only_in_ids_and_numbers_are_one_pattern()
    {
        var lines = new[]
        {
            (T0.AddMinutes(-1), "user 3f2c1a9e-0b4d-4e6f-9a1b-2c3d4e5f6a7b payment 4412 failed: upstream 10.0.3.17:8080 status 503"),
            (T0.AddMinutes(-5), "user 9a8b7c6d-1111-4222-8333-444455556666 payment 97 failed: upstream 10.0.9.2:8080 status 502"),
        };

        var pattern = Assert.Single(LogPatternGrouper.Group(lines, "loki", "{app=\"checkout\"}", Window, new ContextBounds()));

        Assert.Equal("user <id> payment <n> failed: upstream <ip> status <n>", pattern.Pattern);
        Assert.Equal(2, pattern.Count);
        Assert.Equal(T0.AddMinutes(-5), pattern.FirstSeen);
        Assert.Equal(T0.AddMinutes(-1), pattern.LastSeen);
        Assert.Equal(lines[0].Item2, pattern.Sample);
        Assert.Equal("loki", pattern.Source);
        Assert.Equal("{app=\"checkout\"}", pattern.Query);
        Assert.Equal(Window.Start, pattern.From);
        Assert.Equal(Window.End, pattern.To);
    }

    [Fact]
    public void Only_the_most_frequent_patterns_are_kept_most_frequent_first()
    {
        var lines = Repeat("timeout calling payments after 30s", 5)
            .Concat(Repeat("connection reset by peer", 2))
            .Concat(Repeat("order 17 rejected: card declined", 7))
            .Concat(Repeat("cache miss", 1))
            .ToList();

        var patterns = LogPatternGrouper.Group(lines, "datadog", "q", Window, new ContextBounds { MaxLogPatterns = 2 });

        Assert.Equal(["order <n> rejected: card declined", "timeout calling payments after <n>s"], patterns.Select(p => p.Pattern));
        Assert.Equal([7, 5], patterns.Select(p => p.Count));
    }

    [Fact]
    public void Sample_and_pattern_are_shortened_to_the_text_bound()
    {
        var line = "NullReferenceException: " + new string('x', 500);

        var pattern = Assert.Single(LogPatternGrouper.Group([(T0, line)], "loki", "q", Window, new ContextBounds { MaxTextLength = 40 }));

        Assert.Equal(40, pattern.Sample.Length);
        Assert.EndsWith("…", pattern.Sample);
        Assert.StartsWith("NullReferenceException: xxx", pattern.Sample);
        Assert.Equal(40, pattern.Pattern.Length);
    }

    [Fact]
    public void At_most_the_line_bound_is_read_and_blank_lines_are_ignored()
    {
        var lines = Repeat("first kind", 10).Concat(Repeat("   ", 3)).Concat(Repeat("second kind", 20)).ToList();

        var patterns = LogPatternGrouper.Group(lines, "loki", "q", Window, new ContextBounds { MaxLogLines = 12 });

        Assert.Equal("first kind", Assert.Single(patterns).Pattern);
        Assert.Equal(10, patterns[0].Count);
    }

    private static IEnumerable<(DateTimeOffset, string)> Repeat(string line, int times) =>
        Enumerable.Range(0, times).Select(i => (T0.AddSeconds(-i), line));
}

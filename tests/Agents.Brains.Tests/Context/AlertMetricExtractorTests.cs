using Agents.Brains.Tests.Support;
using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class AlertMetricExtractorTests
{
    [Theory]
    [InlineData("0.23", 0.23)]
    [InlineData("23%", 0.23)]
    [InlineData(" 23 % ", 0.23)]
    [InlineData("23", 0.23)]
    [InlineData("1", 1.0)]
    [InlineData("100", 1.0)]
    [InlineData("0", 0.0)]
    public void Fraction_reads_plain_fractions_and_percentages(string text, double expected)
    {
        Assert.Equal(expected, AlertMetricExtractor.ReadFraction(text)!.Value, precision: 6);
    }

    [Theory]
    [InlineData("150%")]
    [InlineData("250")]
    [InlineData("-0.2")]
    [InlineData("high")]
    [InlineData("NaN")]
    [InlineData("")]
    public void Fraction_that_is_not_between_0_and_1_is_ignored(string text)
    {
        Assert.Null(AlertMetricExtractor.ReadFraction(text));
    }

    [Theory]
    [InlineData("1500", 1500)]
    [InlineData("1500ms", 1500)]
    [InlineData("1.5s", 1500)]
    [InlineData("250 ms", 250)]
    public void Latency_reads_milliseconds_or_seconds(string text, double expected)
    {
        Assert.Equal(expected, AlertMetricExtractor.ReadMilliseconds(text)!.Value, precision: 6);
    }

    [Fact]
    public void Error_rate_label_becomes_an_anomalous_fraction_observed_at_the_alert_time()
    {
        var alert = Samples.Alert(labels: new() { ["alertname"] = "HighErrorRate", ["error_rate"] = "23%" });

        var metric = Assert.Single(AlertMetricExtractor.Extract(alert, Samples.AlertTime));

        Assert.Equal("error_rate", metric.Name);
        Assert.Equal(0.23, metric.Value, precision: 6);
        Assert.Equal("ratio", metric.Unit);
        Assert.True(metric.Anomalous);
        Assert.Equal("alert", metric.Source);
        Assert.Equal(Samples.AlertTime, metric.ObservedAt);
    }

    [Theory]
    [InlineData("error_ratio", "0.049", "error_rate", false)]
    [InlineData("error_rate", "0.05", "error_rate", true)]
    [InlineData("cpu_usage", "84", "cpu", false)]
    [InlineData("CPU", "0.85", "cpu", true)]
    [InlineData("memory_usage", "89.9%", "memory", false)]
    [InlineData("memory", "90%", "memory", true)]
    [InlineData("latency_p99_ms", "999", "latency_p99_ms", false)]
    [InlineData("p99_ms", "1000", "latency_p99_ms", true)]
    [InlineData("latency_ms", "2.5s", "latency_ms", true)]
    public void Each_metric_is_anomalous_from_its_threshold(string key, string value, string name, bool anomalous)
    {
        var alert = Samples.Alert(labels: new() { ["alertname"] = "Something" }, annotations: new() { [key] = value });

        var metric = Assert.Single(AlertMetricExtractor.Extract(alert, Samples.AlertTime));

        Assert.Equal(name, metric.Name);
        Assert.Equal(anomalous, metric.Anomalous);
    }

    [Theory]
    [InlineData("HighErrorRate", "0.12", "error_rate", 0.12)]
    [InlineData("NodeCpuHigh", "97", "cpu", 0.97)]
    [InlineData("ContainerOOMRisk", "0.95", "memory", 0.95)]
    [InlineData("SlowCheckout", "1800", "latency_p99_ms", 1800)]
    public void Value_annotation_counts_for_the_metric_the_alert_name_hints_at(string alertName, string value, string name, double expected)
    {
        var alert = Samples.Alert(labels: new() { ["alertname"] = alertName }, annotations: new() { ["value"] = value });

        var metric = Assert.Single(AlertMetricExtractor.Extract(alert, Samples.AlertTime));

        Assert.Equal(name, metric.Name);
        Assert.Equal(expected, metric.Value, precision: 6);
    }

    [Theory]
    [InlineData("DiskFull")]
    [InlineData("HighCpuAndMemory")]
    public void Value_annotation_without_a_single_hint_is_ignored(string alertName)
    {
        var alert = Samples.Alert(labels: new() { ["alertname"] = alertName }, annotations: new() { ["value"] = "0.97" });

        Assert.Empty(AlertMetricExtractor.Extract(alert, Samples.AlertTime));
    }

    [Fact]
    public void Named_metric_wins_over_the_hinted_value_annotation()
    {
        var alert = Samples.Alert(
            labels: new() { ["alertname"] = "HighErrorRate", ["error_rate"] = "0.23" },
            annotations: new() { ["value"] = "0.5" });

        var metric = Assert.Single(AlertMetricExtractor.Extract(alert, Samples.AlertTime));

        Assert.Equal(0.23, metric.Value, precision: 6);
    }

    [Fact]
    public void Unreadable_metric_value_is_left_out()
    {
        var alert = Samples.Alert(labels: new() { ["alertname"] = "X", ["error_rate"] = "lots", ["cpu"] = "0.5" });

        var metric = Assert.Single(AlertMetricExtractor.Extract(alert, Samples.AlertTime));

        Assert.Equal("cpu", metric.Name);
    }
}

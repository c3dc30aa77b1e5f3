using Agents.Brains.Tests.Support;
using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class AlertDetailsSourceTests
{
    [Fact]
    public async Task Labels_and_annotations_become_alert_details_with_the_metrics_they_carry()
    {
        var alert = Samples.Alert(
            labels: new() { ["alertname"] = "HighErrorRate", ["error_rate"] = "0.23", ["summary"] = "short" },
            annotations: new() { ["summary"] = "auth-service 5xx error rate is 23%", ["runbook"] = "https://runbooks/auth" });
        var source = new AlertDetailsSource();
        var window = ContextWindow.Around(Samples.AlertTime, new ContextOptions());

        var contribution = await source.CollectAsync(Samples.Request(Samples.Collect(alert), window), default);

        Assert.Equal("alert", source.Name);
        Assert.Equal("HighErrorRate", contribution.AlertDetails["alertname"]);
        Assert.Equal("https://runbooks/auth", contribution.AlertDetails["runbook"]);
        Assert.Equal("short", contribution.AlertDetails["summary"]);
        Assert.Equal("auth-service 5xx error rate is 23%", contribution.AlertDetails["annotation:summary"]);
        Assert.Equal("error_rate", Assert.Single(contribution.Metrics).Name);
        Assert.Empty(contribution.Deploys);
    }
}

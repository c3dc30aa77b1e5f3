using Agents.Brains.Tests.Support;
using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class DeployLogSourceTests
{
    [Fact]
    public async Task Deploy_log_is_queried_for_the_service_over_the_window_and_only_matching_deploys_kept()
    {
        var log = new FakeDeployLog(
            Samples.Deploy("v7.4.1", 90),
            Samples.Deploy("v7.4.2", 10),
            Samples.Deploy("v1", 10, service: "billing"),
            Samples.Deploy("v7.3.0", 60 * 5));
        var window = ContextWindow.Around(Samples.AlertTime, new ContextOptions());
        var source = new DeployLogSource(log);

        var contribution = await source.CollectAsync(Samples.Request(window: window), default);

        Assert.Equal("deploy-log", source.Name);
        Assert.Equal((Samples.Service, window.Start, window.End), log.LastQuery);
        Assert.Equal(["v7.4.2", "v7.4.1"], contribution.Deploys.Select(d => d.Version));
        Assert.All(contribution.Deploys, d => Assert.Equal("deploy-log", d.Source));
        Assert.Empty(contribution.Metrics);
    }
}

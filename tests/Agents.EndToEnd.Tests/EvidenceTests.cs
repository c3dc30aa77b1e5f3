using System.Text.RegularExpressions;
using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;

namespace Agents.EndToEnd.Tests;

/// <summary>The context agent asking a real Prometheus, and the investigation reading what it measured, end to end.</summary>
[Collection(SystemCollection.Name)]
public sealed partial class EvidenceTests(SystemFixture system)
{
    [Fact]
    public async Task An_alert_with_an_error_ratio_step_after_a_deploy_ends_with_a_hypothesis_naming_the_deploy_and_the_measured_step()
    {
        var service = SystemFixture.EvidenceService;
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        await system.PublishDeploy(service, "v5.2.0", "v5.1.9", system.EvidenceStep.AddMinutes(-3));

        await system.PublishRaw(AgentQueues.AlertsExchange, IncidentFlowTests.Alertmanager(service, fingerprint, "critical", DateTimeOffset.UtcNow.AddSeconds(-30)), "prometheus.critical");
        var incident = await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "a terminal status", TimeSpan.FromSeconds(90));

        var context = incident.Context!;
        Assert.Contains("prometheus", context.Sources);
        Assert.Empty(context.SourceFailures);
        Assert.True(context.Profile!.FromDefaultEntry);
        var series = Assert.Single(context.Series, s => s.Signal == MetricSignals.ErrorRatio);
        Assert.Equal(("prometheus", service), (series.Source, series.Service));
        Assert.Contains($"service_name=\"{service}\"", series.Query, StringComparison.Ordinal);
        Assert.Equal("up", series.Step?.Direction);
        Assert.InRange(series.Step!.Began, system.EvidenceStep.AddMinutes(-1), system.EvidenceStep.AddMinutes(2));
        Assert.InRange(series.Points.Count, 10, 60);

        var hypothesis = incident.Hypothesis!;
        SystemFixture.AssertHandedOverAfterDryRun(incident);
        Assert.Equal("regression", hypothesis.Category);
        Assert.Equal(("v5.2.0", "v5.1.9"), (hypothesis.SuspectVersion, hypothesis.LastGoodVersion));
        Assert.Matches(MeasuredStep(), hypothesis.Summary);
        var step = Assert.Single(hypothesis.Evidence, e => e.Kind == "metric");
        Assert.Equal(("prometheus", series.Query), (step.Source, step.Query));
        Assert.Equal("v5.1.9", incident.Remediation?.Parameters["to_version"]);
    }

    [GeneratedRegex(@"^Regression introduced by deploy v5\.2\.0 of orders-evidence: its error ratio rose from 0\.\d+% to (1[89]|2[01])(\.\d)?% starting ")]
    private static partial Regex MeasuredStep();
}

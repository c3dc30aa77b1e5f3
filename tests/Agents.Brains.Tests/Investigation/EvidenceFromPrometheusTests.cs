using Agents.Brains.Tests.Context;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.Prometheus;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Hosting.Catalog;
using Agents.Investigation.Brain;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Investigation;

/// <summary>
/// The whole evidence path on a real Prometheus over written history (<see cref="PrometheusHistoryFixture"/>): the
/// context collector asks Prometheus through the service catalog, and the investigation rules read what it measured.
/// </summary>
public sealed class EvidenceFromPrometheusTests(PrometheusHistoryFixture history) : IClassFixture<PrometheusHistoryFixture>
{
    private static readonly ServiceCatalog Catalog = ServiceCatalog.Parse("""
        services:
          - name: checkout
          - name: search
            prometheus:
              saturation: 'max(process_cpu_utilization_ratio{$selector})'
          - name: frontend
            dependsOn: [payments]
          - name: payments
          - name: flat
        """, "test catalog");

    private static readonly RuleBasedInvestigationBrain Brain = new(Options.Create(new InvestigationOptions()));

    [Fact]
    public async Task An_error_ratio_step_minutes_after_a_deploy_is_a_regression_naming_the_deploy_and_the_measured_step()
    {
        var deploy = Deploy("checkout", "v2.4.0", "v2.3.9", history.CheckoutStep.AddMinutes(-3));

        var (context, hypothesis) = await Investigate("checkout", deploy);

        Assert.Contains("prometheus", context.Sources);
        Assert.Empty(context.SourceFailures);
        var measured = Assert.Single(context.Metrics, m => m.Name == "error_rate" && m.Source == "prometheus");
        Assert.InRange(measured.Value, 0.15, 0.25);
        Assert.Equal("regression", hypothesis.Category);
        Assert.Equal(("v2.4.0", "v2.3.9"), (hypothesis.SuspectVersion, hypothesis.LastGoodVersion));
        Assert.Contains("Regression introduced by deploy v2.4.0 of checkout: its error ratio rose from 0.", hypothesis.Summary, StringComparison.Ordinal);
        Assert.InRange(hypothesis.Confidence, 0.8, 0.95);
        var step = Assert.Single(hypothesis.Evidence, e => e.Kind == "metric");
        Assert.Equal("prometheus", step.Source);
        Assert.Contains("service_name=\"checkout\"", step.Query, StringComparison.Ordinal);
        Assert.InRange(step.ObservedAt!.Value, history.CheckoutStep.AddMinutes(-1), history.CheckoutStep.AddMinutes(2));
    }

    [Fact]
    public async Task A_deploy_after_the_error_ratio_had_already_risen_is_not_blamed()
    {
        var (_, hypothesis) = await Investigate("checkout", Deploy("checkout", "v2.4.1", "v2.4.0", history.CheckoutStep.AddMinutes(4)));

        Assert.NotEqual("regression", hypothesis.Category);
        Assert.Null(hypothesis.SuspectVersion);
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "deploy" && e.Description.Contains("not the cause", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Saturation_rising_without_a_deploy_is_capacity()
    {
        var (_, hypothesis) = await Investigate("search");

        Assert.Equal("capacity", hypothesis.Category);
        Assert.Contains("saturation rose from 4", hypothesis.Summary, StringComparison.Ordinal);
        Assert.Equal("prometheus", hypothesis.Evidence[0].Source);
    }

    [Fact]
    public async Task A_dependency_that_degraded_first_is_blamed()
    {
        var (context, hypothesis) = await Investigate("frontend");

        Assert.Contains(context.Series, s => s.Service == "payments" && s.Step is { Direction: "up" });
        Assert.Equal("dependency", hypothesis.Category);
        Assert.Equal("payments", hypothesis.Dependency);
        Assert.Contains("payments, which frontend depends on, degraded first", hypothesis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flat_service_with_a_recent_deploy_is_not_rolled_back()
    {
        var (context, hypothesis) = await Investigate("flat", Deploy("flat", "v9", "v8", history.End.AddMinutes(-20)));

        Assert.All(context.Series.Where(s => s.Service == "flat"), s => Assert.Null(s.Step));
        Assert.Equal("unknown", hypothesis.Category);
        Assert.True(hypothesis.Confidence < 0.5, $"confidence {hypothesis.Confidence}");
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "deploy" && e.Description.Contains("was not followed by a step", StringComparison.Ordinal));
    }

    private async Task<(IncidentContext Context, Hypothesis Hypothesis)> Investigate(string service, params DeployRecord[] deploys)
    {
        var alert = Samples.Alert(service: service, summary: $"{service} is unhealthy") with { OccurredAt = history.End };
        var command = new CollectIncidentContext
        {
            IncidentId = Samples.IncidentId,
            Attempt = 1,
            Alert = alert,
            Triage = Samples.Triage() with { Service = service, OccurredAt = history.End, Summary = $"[critical] {service}: {service} is unhealthy" },
        };
        var prometheus = new PrometheusSource(new Clients(), Options.Create(new PrometheusSourceOptions { Url = history.Prometheus.Address }));
        var collector = new ContextCollector(
            [new AlertDetailsSource(), new DeployLogSource(new FakeDeployLog(deploys)), prometheus],
            Options.Create(new ContextOptions { Lookahead = TimeSpan.Zero }),
            Options.Create(new ContextBounds()),
            Catalog,
            new RunbookActionNames([]),
            TimeProvider.System);

        var context = (await collector.DecideAsync(command, default)).Result!;
        var hypothesis = Brain.Investigate(new InvestigateIncident { IncidentId = command.IncidentId, Attempt = 1, Triage = command.Triage, Context = context });
        return (context, hypothesis);
    }

    private static DeployRecord Deploy(string service, string version, string previous, DateTimeOffset at) =>
        new() { Service = service, Version = version, PreviousVersion = previous, DeployedAt = at, Source = "deploy-log" };

    private sealed class Clients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new SocketsHttpHandler { UseProxy = false });
    }
}

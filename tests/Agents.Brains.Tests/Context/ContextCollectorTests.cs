using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Context;

public sealed class ContextCollectorTests
{
    [Fact]
    public async Task Alert_and_deploy_log_are_merged_into_one_context_with_deploys_newest_first()
    {
        var log = new FakeDeployLog(Samples.Deploy("v7.4.1", 90, previous: "v7.4.0"), Samples.Deploy("v7.4.2", 10, previous: "v7.4.1"));
        var alert = Samples.Alert(labels: new() { ["alertname"] = "HighErrorRate", ["error_rate"] = "0.23" });
        var collector = Collector(new AlertDetailsSource(), new DeployLogSource(log));

        var outcome = await collector.DecideAsync(Samples.Collect(alert), default);

        var context = Assert.IsType<IncidentContext>(outcome.Result);
        Assert.Equal("rules", collector.Kind);
        Assert.Equal(Samples.Service, context.Service);
        Assert.Equal(Samples.AlertTime.AddHours(-2), context.WindowStart);
        Assert.Equal(Samples.AlertTime.AddMinutes(15), context.WindowEnd);
        Assert.Equal(["v7.4.2", "v7.4.1"], context.RecentDeploys.Select(d => d.Version));
        Assert.Equal("error_rate", Assert.Single(context.Metrics).Name);
        Assert.Equal("HighErrorRate", context.AlertDetails["alertname"]);
        Assert.Equal(["alert", "deploy-log"], context.Sources);
    }

    [Fact]
    public async Task Sources_are_queried_in_parallel()
    {
        const int count = 3;
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sources = Enumerable.Range(1, count).Select(i => new FakeContextSource($"s{i}", async (_, _) =>
        {
            if (Interlocked.Increment(ref started) == count)
            {
                allStarted.SetResult();
            }

            // Each source only answers once all have started: run one after the other, this never completes.
            await allStarted.Task.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            return ContextContribution.Empty;
        })).ToArray<IContextSource>();

        var outcome = await Collector(sources).DecideAsync(Samples.Collect(), default);

        Assert.Equal(["s1", "s2", "s3"], outcome.Result!.Sources);
    }

    [Fact]
    public async Task Failing_source_is_left_out_and_noted_while_the_others_still_count()
    {
        var log = new FakeDeployLog(Samples.Deploy("v7.4.2", 10));
        var collector = Collector(FakeContextSource.Failing("metrics", "connection refused"), new DeployLogSource(log));

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal(["deploy-log"], context.Sources);
        var failure = Assert.Single(context.SourceFailures);
        Assert.Equal(("metrics", "InvalidOperationException: connection refused", false), (failure.Source, failure.Reason, failure.TimedOut));
        Assert.Equal("v7.4.2", Assert.Single(context.RecentDeploys).Version);
    }

    [Fact]
    public async Task Source_that_throws_before_answering_does_not_stop_the_others()
    {
        var synchronous = new FakeContextSource("sync", (_, _) => throw new TimeoutException("db"));
        var collector = Collector(synchronous, new FakeContextSource("ok", new ContextContribution { AlertDetails = new Dictionary<string, string> { ["k"] = "v" } }));

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal(["ok"], context.Sources);
        Assert.Equal("sync", Assert.Single(context.SourceFailures).Source);
    }

    [Fact]
    public async Task When_every_source_fails_the_fault_is_thrown_for_a_retry()
    {
        var collector = Collector(FakeContextSource.Failing("a", "down"), FakeContextSource.Failing("b", "also down"));

        var ex = await Assert.ThrowsAsync<AggregateException>(() => collector.DecideAsync(Samples.Collect(), default));

        Assert.Contains("All 2 context sources failed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.InnerExceptions.Count);
    }

    [Fact]
    public async Task When_the_only_source_fails_its_own_exception_is_thrown()
    {
        var collector = Collector(FakeContextSource.Failing("a", "down"));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => collector.DecideAsync(Samples.Collect(), default));

        Assert.Equal("down", ex.Message);
    }

    [Fact]
    public async Task No_registered_source_is_a_failure()
    {
        var outcome = await Collector().DecideAsync(Samples.Collect(), default);

        Assert.Equal("no context sources are configured", outcome.FailureReason);
    }

    [Fact]
    public async Task Window_follows_the_configured_lookback_and_lookahead()
    {
        var source = new FakeContextSource("s", ContextContribution.Empty);
        var collector = Collector(new ContextOptions { Lookback = TimeSpan.FromMinutes(30), Lookahead = TimeSpan.FromMinutes(5) }, source);

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal(new ContextWindow(Samples.AlertTime.AddMinutes(-30), Samples.AlertTime.AddMinutes(5)) { IncidentStart = Samples.AlertTime.AddMinutes(-30) }, source.SeenWindow);
        Assert.Equal(Samples.AlertTime.AddMinutes(-30), context.WindowStart);
        Assert.Equal(Samples.AlertTime.AddMinutes(5), context.WindowEnd);
    }

    [Fact]
    public async Task Deploys_and_metrics_the_orchestrator_would_reject_are_dropped_and_duplicates_merged()
    {
        var first = new FakeContextSource("a", new ContextContribution
        {
            Deploys = [Samples.Deploy("v7.4.2", 10), Samples.Deploy("v9", 5, service: "billing"), Samples.Deploy("v8", -30)],
            Metrics = [Samples.Metric("cpu", 0.5, false), Samples.Metric("cpu", 0.5, false) with { ObservedAt = Samples.AlertTime.AddHours(-3) }],
        });
        var second = new FakeContextSource("b", new ContextContribution { Deploys = [Samples.Deploy("v7.4.2", 10)] });

        var context = (await Collector(first, second).DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal("v7.4.2", Assert.Single(context.RecentDeploys).Version);
        Assert.Equal(Samples.AlertTime, Assert.Single(context.Metrics).ObservedAt);
    }

    [Fact]
    public async Task Conflicting_alert_detail_keeps_the_first_and_names_the_second_by_source()
    {
        var first = new FakeContextSource("a", new ContextContribution { AlertDetails = new Dictionary<string, string> { ["region"] = "eu" } });
        var second = new FakeContextSource("b", new ContextContribution { AlertDetails = new Dictionary<string, string> { ["region"] = "us" } });

        var context = (await Collector(first, second).DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal("eu", context.AlertDetails["region"]);
        Assert.Equal("us", context.AlertDetails["b:region"]);
    }

    [Fact]
    public async Task A_source_past_its_own_timeout_is_named_as_timed_out_and_the_others_still_count()
    {
        var slow = new FakeContextSource("slow", async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return ContextContribution.Empty;
        }, timeout: TimeSpan.FromMilliseconds(200));
        var collector = Collector(slow, new FakeContextSource("ok", ContextContribution.Empty));

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal(["ok"], context.Sources);
        var failure = Assert.Single(context.SourceFailures);
        Assert.Equal(("slow", "no answer within 200ms", true), (failure.Source, failure.Reason, failure.TimedOut));
    }

    [Fact]
    public async Task A_source_that_ignores_its_token_cannot_hold_the_step_past_the_budget()
    {
        var never = new TaskCompletionSource<ContextContribution>();
        var stuck = new FakeContextSource("stuck", (_, _) => never.Task);
        var collector = Collector(new ContextOptions { Budget = TimeSpan.FromMilliseconds(300) }, stuck, new FakeContextSource("ok", ContextContribution.Empty));

        var context = (await collector.DecideAsync(Samples.Collect(), default).WaitAsync(TimeSpan.FromSeconds(10))).Result!;

        Assert.Equal(["ok"], context.Sources);
        Assert.True(Assert.Single(context.SourceFailures).TimedOut);
    }

    [Fact]
    public async Task A_query_a_source_could_not_answer_is_named_with_the_source_while_its_other_findings_count()
    {
        var partial = new FakeContextSource("prometheus", new ContextContribution { Problems = ["latency_p99 query: 400 bad_data: parse error"] });

        var context = (await Collector(partial).DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal(["prometheus"], context.Sources);
        Assert.Equal(("prometheus", "latency_p99 query: 400 bad_data: parse error"), (context.SourceFailures[0].Source, context.SourceFailures[0].Reason));
    }

    [Fact]
    public async Task The_service_is_looked_up_in_the_catalog_and_its_dependencies_are_asked_about_too()
    {
        var catalog = ServiceCatalog.Parse("""
            services:
              - name: auth-service
                team: identity
                tier: critical
                match:
                  - labels: { alertname: HighErrorRate }
                dependsOn: [users-db]
            """, "test");
        var source = new FakeContextSource("s", ContextContribution.Empty);
        var collector = new ContextCollector([source], Options.Create(new ContextOptions()), Options.Create(new ContextBounds()), catalog, new RunbookActionNames([]), TimeProvider.System);

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        Assert.Equal(("auth-service", false, "identity", "critical"), (context.Profile!.Name, context.Profile.FromDefaultEntry, context.Profile.Team, context.Profile.Tier));
        Assert.Equal("labels alertname=HighErrorRate", context.Profile.MatchedBy);
        Assert.Equal(["users-db"], context.Profile.DependsOn);
        Assert.Equal("users-db", Assert.Single(source.SeenRequest!.Dependencies).Name);
        Assert.True(source.SeenRequest.Dependencies[0].IsDefault);
    }

    [Fact]
    public async Task Series_of_the_service_become_single_readings_the_contradiction_check_and_the_rules_can_read()
    {
        var window = ContextWindow.Around(Samples.AlertTime, new ContextOptions());
        var series = new MetricSeries
        {
            Service = Samples.Service, Signal = MetricSignals.LatencyP99, Source = "prometheus", Query = "q", From = window.Start, To = window.End,
            Unit = "seconds", Baseline = 0.2, Peak = 1.4,
            Step = new StepChange { At = Samples.AlertTime.AddMinutes(-5), StartedAt = Samples.AlertTime.AddMinutes(-8), Before = 0.2, After = 1.4, EffectSize = 9, Direction = "up" },
        };
        var collector = Collector(new FakeContextSource("prometheus", new ContextContribution { Series = [series, series with { Service = "other" }] }));

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        var reading = Assert.Single(context.Metrics);
        Assert.Equal(("latency_p99_ms", 1400.0, 200.0, "ms", true, "prometheus"), (reading.Name, reading.Value, reading.Baseline, reading.Unit, reading.Anomalous, reading.Source));
        Assert.Equal(Samples.AlertTime.AddMinutes(-8), reading.ObservedAt);
    }

    [Fact]
    public async Task A_context_over_its_size_bound_is_cut_and_says_what_was_cut()
    {
        var window = ContextWindow.Around(Samples.AlertTime, new ContextOptions());
        var points = Enumerable.Range(0, 60).Select(i => new SeriesPoint(window.Start.AddMinutes(2 * i), 0.01 * (i % 7))).ToList();
        var series = Enumerable.Range(0, 20).Select(i => new MetricSeries
        {
            Service = i < 4 ? Samples.Service : $"dependency-{i}", Signal = MetricSignals.ErrorRatio, Source = "prometheus", Query = $"q{i}",
            From = window.Start, To = window.End, Unit = "ratio", Baseline = 0.01, Peak = 0.06, Points = points,
        }).ToList();
        var collector = new ContextCollector(
            [new FakeContextSource("prometheus", new ContextContribution { Series = series })],
            Options.Create(new ContextOptions()), Options.Create(new ContextBounds { MaxBytes = 16 * 1024 }), ServiceCatalog.BuiltIn, new RunbookActionNames([]), TimeProvider.System);

        var context = (await collector.DecideAsync(Samples.Collect(), default)).Result!;

        Assert.True(Agents.Hosting.Evidence.ContextSizeLimiter.SizeOf(context) <= 16 * 1024, $"{Agents.Hosting.Evidence.ContextSizeLimiter.SizeOf(context)} bytes");
        Assert.Equal(20, context.Series.Count);
        Assert.All(context.Series, s => Assert.Equal((0.01, 0.06), (s.Baseline, s.Peak)));
        Assert.Contains("points of the dependencies' series", context.Truncated);
        Assert.Contains(context.Truncated, t => t.StartsWith("context was ", StringComparison.Ordinal));
    }

    private static ContextCollector Collector(params IContextSource[] sources) => Collector(new ContextOptions(), sources);

    private static ContextCollector Collector(ContextOptions options, params IContextSource[] sources) =>
        new(sources, Options.Create(options), Options.Create(new ContextBounds()), ServiceCatalog.BuiltIn, new RunbookActionNames(["rollback", "restart-pods"]), TimeProvider.System);
}

using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.Prometheus;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Agents.Brains.Tests.Context;

/// <summary>
/// <see cref="PrometheusSource"/> against a real Prometheus 2.42 holding backfilled history (<see cref="PrometheusHistoryFixture"/>),
/// through the default catalog entry's queries; and, for what a real Prometheus cannot be made to do (check a token,
/// hang, answer garbage), against a small stub speaking its HTTP API.
/// </summary>
public sealed class PrometheusSourceTests(PrometheusHistoryFixture history, ITestOutputHelper output) : IClassFixture<PrometheusHistoryFixture>
{
    /// <summary>The range of <c>rate(...[5m])</c> in the default queries: a step in the counters shows as a 5-minute ramp.</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private TimeSpan Step => new PrometheusSourceOptions().StepFor(history.Window);

    [Fact]
    public async Task Checkout_error_ratio_step_is_measured_with_its_time_levels_and_effect_size()
    {
        var entry = ServiceCatalog.BuiltIn.Resolve("checkout");
        var clients = new RecordingClients();

        var contribution = await Source(history.Prometheus.Address, clients).CollectAsync(Request(entry), default);

        Assert.Empty(contribution.Problems);
        var errors = Single(contribution, "checkout", MetricSignals.ErrorRatio);
        Report(errors);
        Assert.Equal(PrometheusSource.SourceName, errors.Source);
        Assert.Equal("ratio", errors.Unit);
        Assert.Equal(entry.Prometheus!.ErrorRatio, errors.Query);
        Assert.Equal(history.Window.Start, errors.From);
        Assert.Equal(history.Window.End, errors.To);
        Assert.Empty(errors.Labels);
        var step = Assert.IsType<StepChange>(errors.Step);
        Assert.Equal("up", step.Direction);

        // rate(...[5m]) turns the counters' step into a ramp over the 5 minutes after it; the change is placed inside it.
        Assert.InRange(step.At, history.CheckoutStep - Step, history.CheckoutStep + RateWindow + Step);
        Assert.InRange(step.Before, 0.7 * PrometheusHistoryFixture.CheckoutBefore, 1.5 * PrometheusHistoryFixture.CheckoutBefore);
        Assert.InRange(step.After, 0.85 * PrometheusHistoryFixture.CheckoutAfter, 1.1 * PrometheusHistoryFixture.CheckoutAfter);
        Assert.True(step.EffectSize >= SeriesAnalysis.ClearEffect, $"effect size {step.EffectSize}");
        Assert.InRange(errors.Baseline!.Value, 0.7 * PrometheusHistoryFixture.CheckoutBefore, 1.3 * PrometheusHistoryFixture.CheckoutBefore);
        Assert.InRange(errors.Peak!.Value, PrometheusHistoryFixture.CheckoutAfter, 1.3 * PrometheusHistoryFixture.CheckoutAfter);
        Assert.InRange(errors.Points.Count, new ContextBounds().MaxPoints / 2, new ContextBounds().MaxPoints);
        Assert.All(errors.Points, p => Assert.InRange(p.At, history.Window.Start, history.Window.End));

        var latency = Single(contribution, "checkout", MetricSignals.LatencyP99);
        Report(latency);
        Assert.Equal("seconds", latency.Unit);
        Assert.Equal(entry.Prometheus.LatencyP99, latency.Query);
        Assert.InRange(latency.Baseline!.Value, 0.9 * PrometheusHistoryFixture.CheckoutLatency, 1.1 * PrometheusHistoryFixture.CheckoutLatency);
        Assert.Null(latency.Step);

        // What went over the wire: exactly the catalog's PromQL, the window and the default step.
        Assert.Equal(2, clients.Requests.Count);
        Assert.All(clients.Requests, r =>
        {
            Assert.Equal("/api/v1/query_range", r.Path);
            Assert.Equal(history.Window.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), r.Query["start"]);
            Assert.Equal(history.Window.End.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), r.Query["end"]);
            Assert.Equal("30", r.Query["step"]);
            Assert.Null(r.Authorization);
        });
        Assert.Equal(
            new[] { entry.Prometheus.ErrorRatio!, entry.Prometheus.LatencyP99! }.Order(StringComparer.Ordinal),
            clients.Requests.Select(r => r.Query["query"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Search_saturation_rises_while_its_errors_stay_flat()
    {
        var entry = WithSaturation(ServiceCatalog.BuiltIn.Resolve("search"));

        var contribution = await Source(history.Prometheus.Address).CollectAsync(Request(entry), default);

        Assert.Empty(contribution.Problems);
        var saturation = Single(contribution, "search", MetricSignals.Saturation);
        Report(saturation);
        Assert.Equal("ratio", saturation.Unit);
        Assert.Equal(PrometheusHistory.SaturationQuery("search"), saturation.Query);
        var step = Assert.IsType<StepChange>(saturation.Step);
        Assert.Equal("up", step.Direction);
        Assert.InRange(step.At, history.SearchRise - Step, history.SearchRise + TimeSpan.FromMinutes(10) + Step);
        Assert.InRange(step.Before, 0.36, 0.44);
        Assert.InRange(step.After, 0.8, 1.0);
        Assert.InRange(saturation.Baseline!.Value, 0.36, 0.44);
        Assert.InRange(saturation.Peak!.Value, 0.9, 1.0);

        var errors = Single(contribution, "search", MetricSignals.ErrorRatio);
        Report(errors);
        Assert.Null(errors.Step);
        Assert.InRange(errors.Peak!.Value, 0, 0.01);
    }

    [Fact]
    public async Task Dependency_payments_degrades_five_minutes_before_frontend()
    {
        var frontend = ServiceCatalog.BuiltIn.Resolve("frontend") with { DependsOn = ["payments"] };
        var payments = ServiceCatalog.BuiltIn.Resolve("payments");

        var contribution = await Source(history.Prometheus.Address).CollectAsync(Request(frontend, payments), default);

        Assert.Empty(contribution.Problems);
        Assert.Equal(["frontend", "payments"], contribution.Series.Select(s => s.Service).Distinct().Order(StringComparer.Ordinal));
        var own = Single(contribution, "frontend", MetricSignals.ErrorRatio);
        var dependency = Single(contribution, "payments", MetricSignals.ErrorRatio);
        Report(own);
        Report(dependency);
        Assert.Equal(payments.Prometheus!.ErrorRatio, dependency.Query);
        var ownStep = Assert.IsType<StepChange>(own.Step);
        var dependencyStep = Assert.IsType<StepChange>(dependency.Step);
        Assert.Equal("up", ownStep.Direction);
        Assert.Equal("up", dependencyStep.Direction);
        Assert.True(dependencyStep.At < ownStep.At, $"payments stepped at {dependencyStep.At:O}, frontend at {ownStep.At:O}");
        Assert.InRange(ownStep.At - dependencyStep.At, history.FrontendStep - history.PaymentsStep - (2 * Step), history.FrontendStep - history.PaymentsStep + (2 * Step));
        Assert.InRange(dependencyStep.At, history.PaymentsStep - Step, history.PaymentsStep + RateWindow + Step);
    }

    [Fact]
    public async Task Flat_service_has_no_step_in_any_signal()
    {
        var entry = WithSaturation(ServiceCatalog.BuiltIn.Resolve("flat"));

        var contribution = await Source(history.Prometheus.Address).CollectAsync(Request(entry), default);

        Assert.Empty(contribution.Problems);
        Assert.Equal(
            [MetricSignals.ErrorRatio, MetricSignals.LatencyP99, MetricSignals.Saturation],
            contribution.Series.Select(s => s.Signal).Order(StringComparer.Ordinal));
        Assert.All(contribution.Series, s =>
        {
            Report(s);
            Assert.Null(s.Step);
            Assert.NotEmpty(s.Points);
        });
        Assert.InRange(Single(contribution, "flat", MetricSignals.ErrorRatio).Baseline!.Value, 0.0035, 0.0065);
        Assert.InRange(Single(contribution, "flat", MetricSignals.Saturation).Baseline!.Value, 0.45, 0.55);
    }

    [Fact]
    public async Task Query_answering_several_series_keeps_the_top_k_with_their_labels_but_not_the_metric_name()
    {
        var entry = ServiceCatalog.BuiltIn.Resolve("checkout") with
        {
            Prometheus = new PrometheusQueries
            {
                Selector = "service_name=\"checkout\"",
                Saturation = PrometheusHistory.SaturationMetric,
                Restarts = "sum by (http_response_status_code) (increase(http_server_request_duration_seconds_count{service_name=\"checkout\"}[5m]))",
            },
        };
        var request = Request(entry) with { Bounds = new ContextBounds { MaxSeriesPerQuery = 1 } };

        var contribution = await Source(history.Prometheus.Address).CollectAsync(request, default);

        Assert.Empty(contribution.Problems);
        var saturation = Single(contribution, "checkout", MetricSignals.Saturation);
        Assert.Equal(new Dictionary<string, string> { ["service_name"] = "search" }, saturation.Labels.ToDictionary());
        var counts = Single(contribution, "checkout", MetricSignals.Restarts);
        Assert.Equal("count", counts.Unit);
        Assert.Equal(new Dictionary<string, string> { ["http_response_status_code"] = "200" }, counts.Labels.ToDictionary());
    }

    [Fact]
    public async Task Query_that_answers_no_series_gives_no_series_and_no_problem()
    {
        var entry = ServiceCatalog.BuiltIn.Resolve("checkout");
        entry = entry with { Prometheus = entry.Prometheus! with { Restarts = "sum(increase(kube_pod_container_status_restarts_total{namespace=\"nowhere\"}[5m]))" } };

        var contribution = await Source(history.Prometheus.Address).CollectAsync(Request(entry), default);

        Assert.Empty(contribution.Problems);
        Assert.DoesNotContain(contribution.Series, s => s.Signal == MetricSignals.Restarts);
        Assert.Equal([MetricSignals.ErrorRatio, MetricSignals.LatencyP99], contribution.Series.Select(s => s.Signal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Bad_template_is_a_problem_with_prometheus_own_error_while_the_other_queries_answer()
    {
        var entry = ServiceCatalog.BuiltIn.Resolve("checkout");
        entry = entry with { Prometheus = entry.Prometheus! with { ErrorRatio = "sum(rate(http_server_request_duration_seconds_count{service_name=\"checkout\"}[5m]" } };

        var contribution = await Source(history.Prometheus.Address).CollectAsync(Request(entry), default);

        var problem = Assert.Single(contribution.Problems);
        output.WriteLine(problem);
        Assert.StartsWith("error_ratio query for checkout: 400 bad_data: ", problem, StringComparison.Ordinal);
        Assert.Contains("parse error", problem, StringComparison.Ordinal);
        Assert.Equal(MetricSignals.LatencyP99, Assert.Single(contribution.Series).Signal);
    }

    [Fact]
    public async Task Every_query_refused_throws_with_prometheus_own_error()
    {
        var entry = ServiceCatalog.BuiltIn.Resolve("checkout");
        entry = entry with { Prometheus = entry.Prometheus! with { ErrorRatio = "sum(rate(x[5m]", LatencyP99 = "histogram_quantile(0.99," } };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source(history.Prometheus.Address).CollectAsync(Request(entry), default));

        output.WriteLine(error.Message);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.StartsWith($"Prometheus at {history.Prometheus.Address.Authority} answered none of its 2 queries: 400 bad_data: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("parse error", error.Message, StringComparison.Ordinal);
        Assert.Contains("error_ratio query for checkout", error.Message, StringComparison.Ordinal);
        Assert.Contains("latency_p99 query for checkout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_that_is_down_throws_naming_the_server()
    {
        await using var closed = ScrapeTarget.Reserve();
        var source = Source(new Uri($"http://{closed.HostPort}/"), configure: o => o.BearerToken = "never-shown-token");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => source.CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default));

        output.WriteLine(error.Message);
        Assert.StartsWith($"Prometheus at {closed.HostPort} answered none of its 2 queries: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("never-shown-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bearer_token_is_sent_and_a_refusal_never_shows_it()
    {
        const string token = "s3cret-bearer-token-value";
        await using var stub = await Stub.Start(context =>
            context.Request.Headers.Authorization == $"Bearer {token}"
                ? Stub.Answer(context, 200, Stub.Matrix(history.Window.End, "0.1"))
                : Stub.Answer(context, 401, "Unauthorized"));

        var answered = await Source(stub.Address, configure: o => o.BearerToken = token).CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Source(stub.Address, configure: o => o.BearerToken = "wrong-" + token).CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default));

        Assert.Equal(2, answered.Series.Count);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, refused.Message, StringComparison.Ordinal);
        Assert.Equal(
            [$"Bearer {token}", $"Bearer {token}", $"Bearer wrong-{token}", $"Bearer wrong-{token}"],
            stub.Requests.Select(r => r.Authorization).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Basic_auth_is_sent_when_a_username_is_configured()
    {
        await using var stub = await Stub.Start(context => Stub.Answer(context, 200, Stub.Matrix(history.Window.End, "0.1")));

        await Source(stub.Address, configure: o => (o.Username, o.Password) = ("agents", "pa:ss")).CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default);

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("agents:pa:ss"));
        Assert.All(stub.Requests, r => Assert.Equal(expected, r.Authorization));
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Slow_answer_is_cancelled_by_the_token()
    {
        await using var stub = await Stub.Start(async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Source(stub.Address).CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), cancel.Token));

        // The requests themselves were abandoned, not left running.
        await stub.Aborted.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Queries_still_running_near_the_timeout_are_given_up_and_what_answered_is_kept()
    {
        // The error ratio answers at once; the latency query never does.
        await using var stub = await Stub.Start(async context =>
        {
            if (context.Request.Query["query"].ToString().StartsWith("histogram_quantile", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            await Stub.Answer(context, 200, Stub.Matrix(history.Window.End, "0.1"));
        });

        var contribution = await Source(stub.Address, configure: o => o.Timeout = TimeSpan.FromSeconds(1))
            .CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default)
            .WaitAsync(Deadline);

        Assert.Equal(MetricSignals.ErrorRatio, Assert.Single(contribution.Series).Signal);
        Assert.Equal("latency_p99 query for checkout: no answer within 800ms", Assert.Single(contribution.Problems));
    }

    [Fact]
    public async Task Entry_without_prometheus_part_asks_nothing()
    {
        await using var stub = await Stub.Start(context => Stub.Answer(context, 200, Stub.Matrix(history.Window.End, "0.1")));
        var entry = ServiceCatalog.BuiltIn.Resolve("checkout") with { Prometheus = null };

        var contribution = await Source(stub.Address).CollectAsync(Request(entry, ServiceCatalog.BuiltIn.Resolve("payments") with { Prometheus = null }), default);

        Assert.Same(ContextContribution.Empty, contribution);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Documented_parameters_are_sent_and_non_finite_values_are_skipped()
    {
        var end = history.Window.End;
        await using var stub = await Stub.Start(context => Stub.Answer(context, 200, $$"""
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"x","pod":"a"},"values":[[{{Unix(end.AddMinutes(-3))}},"NaN"],[{{Unix(end.AddMinutes(-2))}},"+Inf"],[{{Unix(end.AddMinutes(-1))}}.5,"0.25"],[{{Unix(end)}},"-Inf"]]}
            ]},"warnings":["something"]}
            """));
        var entry = new CatalogEntry { Name = "svc", Prometheus = new PrometheusQueries { Selector = "x", Saturation = "max(x{pod=~\"a|b\"}) / 2" } };

        var contribution = await Source(stub.Address, configure: o => (o.Step, o.Timeout) = (TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(3)))
            .CollectAsync(Request(entry), default);

        var series = Assert.Single(contribution.Series);
        Assert.Equal([new SeriesPoint(end.AddMinutes(-1).AddMilliseconds(500), 0.25)], series.Points);
        Assert.Equal(new Dictionary<string, string> { ["pod"] = "a" }, series.Labels.ToDictionary());
        var request = Assert.Single(stub.Requests);
        Assert.Equal("/api/v1/query_range", request.Path);
        Assert.Equal("max(x{pod=~\"a|b\"}) / 2", request.Query["query"]);
        Assert.Equal(Unix(history.Window.Start), request.Query["start"]);
        Assert.Equal(Unix(end), request.Query["end"]);
        Assert.Equal("90", request.Query["step"]);
        Assert.Equal("3", request.Query["timeout"]);
    }

    [Fact]
    public async Task Server_error_on_one_query_is_a_problem_and_garbage_from_all_is_thrown()
    {
        await using var partial = await Stub.Start(context => context.Request.Query["query"].ToString().StartsWith("histogram_quantile", StringComparison.Ordinal)
            ? Stub.Answer(context, 503, """{"status":"error","errorType":"unavailable","error":"too many queries"}""")
            : Stub.Answer(context, 200, Stub.Matrix(history.Window.End, "0.1")));
        await using var garbage = await Stub.Start(context => Stub.Answer(context, 200, """{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}}"""));

        var contribution = await Source(partial.Address).CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source(garbage.Address).CollectAsync(Request(ServiceCatalog.BuiltIn.Resolve("checkout")), default));

        Assert.Equal(["latency_p99 query for checkout: 503 unavailable: too many queries"], contribution.Problems);
        Assert.Equal(MetricSignals.ErrorRatio, Assert.Single(contribution.Series).Signal);
        output.WriteLine(error.Message);
        Assert.Contains("unparseable answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queries_run_in_parallel_at_most_four_at_once()
    {
        var entry = new CatalogEntry
        {
            Name = "a",
            Prometheus = new PrometheusQueries { Selector = "x", ErrorRatio = "e", LatencyP99 = "l", Saturation = "s", Restarts = "r" },
        };
        Stub? stub = null;
        stub = await Stub.Start(async context =>
        {
            // Hold every query until all eight have arrived, which only an unbounded source gets to; a bounded one is
            // let go after a while (its fifth query can only come once one of the first four was answered).
            await WaitFor(() => stub!.Requests.Count == 8, context.RequestAborted, TimeSpan.FromMilliseconds(500));
            await Stub.Answer(context, 200, Stub.Matrix(history.Window.End, "0.1"));
        });
        await using (stub)
        {
            var contribution = await Source(stub.Address).CollectAsync(Request(entry, entry with { Name = "b" }), default);

            Assert.Equal(8, contribution.Series.Count);
            Assert.Equal(PrometheusSource.MaxConcurrentQueries, stub.MaxInFlight);
        }
    }

    [Fact]
    public void Step_is_computed_from_the_window_unless_configured_and_credentials_are_checked()
    {
        var start = history.Window.End;
        Assert.Equal(TimeSpan.FromSeconds(30), new PrometheusSourceOptions().StepFor(new ContextWindow(start.AddHours(-2), start)));
        Assert.Equal(TimeSpan.FromSeconds(15), new PrometheusSourceOptions().StepFor(new ContextWindow(start.AddMinutes(-10), start)));
        Assert.Equal(TimeSpan.FromSeconds(2520), new PrometheusSourceOptions().StepFor(new ContextWindow(start.AddDays(-7), start)));
        Assert.Equal(TimeSpan.FromSeconds(5), new PrometheusSourceOptions { Step = TimeSpan.FromSeconds(5) }.StepFor(new ContextWindow(start.AddHours(-2), start)));
        Assert.Equal(TimeSpan.FromSeconds(55), new PrometheusSourceOptions { Step = TimeSpan.FromSeconds(1) }.StepFor(new ContextWindow(start.AddDays(-7), start)));

        Assert.Empty(Validate(new PrometheusSourceOptions { Url = new Uri("http://prometheus:9090/"), BearerToken = "t" }));
        Assert.Empty(Validate(new PrometheusSourceOptions { Url = new Uri("http://prometheus:9090/"), Username = "u", Password = "p" }));
        Assert.Contains(Validate(new PrometheusSourceOptions { BearerToken = "t", Username = "u" }), e => e.Contains("not both", StringComparison.Ordinal));
        Assert.Contains(Validate(new PrometheusSourceOptions { Password = "p" }), e => e.Contains("without Username", StringComparison.Ordinal));
        var badUrl = Validate(new PrometheusSourceOptions { Url = new Uri("ftp://user:secret@prometheus/") });
        Assert.Contains(badUrl, e => e.Contains("absolute http(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(badUrl, e => e.Contains("secret", StringComparison.Ordinal));
    }

    private ContextRequest Request(CatalogEntry service, params CatalogEntry[] dependencies) => new()
    {
        Command = Samples.Collect(),
        Service = service,
        Dependencies = dependencies,
        Window = history.Window,
        Bounds = new ContextBounds(),
    };

    private static PrometheusSource Source(Uri url, IHttpClientFactory? clients = null, Action<PrometheusSourceOptions>? configure = null)
    {
        var options = new PrometheusSourceOptions { Url = url };
        configure?.Invoke(options);
        return new PrometheusSource(clients ?? new RecordingClients(), Options.Create(options));
    }

    private static CatalogEntry WithSaturation(CatalogEntry entry) =>
        entry with { Prometheus = entry.Prometheus! with { Saturation = PrometheusHistory.SaturationQuery(entry.Name) } };

    private static MetricSeries Single(ContextContribution contribution, string service, string signal) =>
        Assert.Single(contribution.Series, s => s.Service == service && s.Signal == signal);

    private static string Unix(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static List<string> Validate(PrometheusSourceOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    private static async Task WaitFor(Func<bool> condition, CancellationToken ct, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, ct);
        }
    }

    private void Report(MetricSeries series) => output.WriteLine(
        $"{series.Service} {series.Signal}: baseline {series.Baseline:G4}, peak {series.Peak:G4}, {series.Points.Count} points, step "
        + (series.Step is { } s
            ? $"{s.Direction} at {s.At:HH:mm:ss} ({(s.At - history.End).TotalMinutes:F1} min from the end) {s.Before:G4} -> {s.After:G4}, effect {s.EffectSize}"
            : "none")
        + $" [Prometheus started in {history.Prometheus.StartTime.TotalSeconds:F2} s, backfill {history.Prometheus.BackfillTime.TotalSeconds:F2} s]");

    /// <summary>An <see cref="IHttpClientFactory"/> whose clients log every request they send (path, query parameters, Authorization).</summary>
    private sealed class RecordingClients : IHttpClientFactory
    {
        public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

        public HttpClient CreateClient(string name) => new(new Recorder(this) { InnerHandler = new SocketsHttpHandler { UseProxy = false } });

        private sealed class Recorder(RecordingClients owner) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                owner.Requests.Enqueue(RecordedRequest.From(request.RequestUri!, request.Headers.Authorization?.ToString()));
                return base.SendAsync(request, cancellationToken);
            }
        }
    }

    private sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Query, string? Authorization)
    {
        public static RecordedRequest From(Uri uri, string? authorization) => new(
            uri.AbsolutePath,
            Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).ToDictionary(q => q.Key, q => q.Value.ToString()),
            authorization);
    }

    /// <summary>Speaks the part of Prometheus' HTTP API the source uses, as each test tells it; logs what it receives.</summary>
    private sealed class Stub : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _inFlight;
        private int _maxInFlight;

        private Stub(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        /// <summary>Completed once a request was abandoned by the client before it was answered.</summary>
        public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<Stub> Start(Func<HttpContext, Task> answer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var stub = new Stub(app);
            app.Run(async context =>
            {
                var url = new Uri($"http://stub{context.Request.Path}{context.Request.QueryString}");
                stub.Requests.Enqueue(RecordedRequest.From(url, context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null));
                context.Items[typeof(Stub)] = stub;
                var now = Interlocked.Increment(ref stub._inFlight);
                int seen;
                while (now > (seen = Volatile.Read(ref stub._maxInFlight)) && Interlocked.CompareExchange(ref stub._maxInFlight, now, seen) != seen)
                {
                }

                using var registration = context.RequestAborted.Register(() => stub.Aborted.TrySetResult());
                try
                {
                    if (context.Request.Path != "/api/v1/query_range" || !context.Request.Query.ContainsKey("query"))
                    {
                        await Answer(context, 400, """{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}""");
                        return;
                    }

                    await answer(context);
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                }
                finally
                {
                    Leave(context);
                }
            });
            await app.StartAsync();
            stub.Address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
            return stub;
        }

        /// <summary>Writes the answer; the request stops counting as in flight before the client can see it.</summary>
        public static Task Answer(HttpContext context, int status, string body)
        {
            Leave(context);
            context.Response.StatusCode = status;
            context.Response.ContentType = body.StartsWith('{') ? "application/json" : "text/plain";
            return context.Response.WriteAsync(body, context.RequestAborted);
        }

        private static void Leave(HttpContext context)
        {
            if (context.Items.Remove(typeof(Stub), out var owner))
            {
                Interlocked.Decrement(ref ((Stub)owner!)._inFlight);
            }
        }

        /// <summary>A matrix of one series without labels, one point at <paramref name="at"/>.</summary>
        public static string Matrix(DateTimeOffset at, string value) => JsonSerializer.Serialize(new
        {
            status = "success",
            data = new { resultType = "matrix", result = new[] { new { metric = new Dictionary<string, string>(), values = new object[][] { [at.ToUnixTimeSeconds(), value] } } } },
        });

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

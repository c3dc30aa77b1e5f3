using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.Datadog;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Context;

public sealed class DatadogSourceTests : IAsyncLifetime
{
    private const string ApiKey = "dd-api-0123456789abcdef";
    private const string AppKey = "dd-app-fedcba9876543210";
    private const string ErrorQuery = "sum:trace.http.request.errors{service:checkout}.as_count()/sum:trace.http.request.hits{service:checkout}.as_count()";
    private const string LatencyQuery = "p99:trace.http.request{service:checkout}";
    private const string SaturationQuery = "avg:kubernetes.cpu.usage.pct{service:checkout} by {pod_name}";
    private const string PaymentsErrorQuery = "sum:trace.http.request.errors{service:payments}.as_count()/sum:trace.http.request.hits{service:payments}.as_count()";
    private const string LogsQuery = "service:checkout status:error";

    private static readonly DateTimeOffset T0 = Samples.AlertTime;
    private static readonly ContextWindow Window = new(T0.AddHours(-2), T0.AddMinutes(15)) { IncidentStart = T0.AddMinutes(-30) };

    private readonly ServiceProvider _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private FakeDatadog _datadog = null!;

    public async Task InitializeAsync() => _datadog = await FakeDatadog.Start(ApiKey, AppKey);

    public async Task DisposeAsync()
    {
        await _datadog.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task Metrics_of_the_service_and_its_dependency_are_analysed_with_their_query_unit_and_range()
    {
        _datadog.AddSeries(ErrorQuery, "service:checkout", Minutes(i => i < 100 ? 0.01 : 0.12))
            .AddSeries(LatencyQuery, "service:checkout", Minutes(_ => 0.25))
            .AddSeries(SaturationQuery, "pod_name:checkout-1,service:checkout", Minutes(_ => 40), ["pod_name:checkout-1"])
            .AddSeries(SaturationQuery, "pod_name:checkout-2,service:checkout", Minutes(_ => 55), ["pod_name:checkout-2"])
            .AddSeries(SaturationQuery, "pod_name:checkout-3,service:checkout", Minutes(_ => 90), ["pod_name:checkout-3"])
            .AddSeries(PaymentsErrorQuery, "service:payments", Minutes(_ => 0.002));

        var contribution = await Source().CollectAsync(Request(bounds: new ContextBounds { MaxSeriesPerQuery = 2, MaxPoints = 20 }), default);

        Assert.Empty(contribution.Problems);
        var errors = Assert.Single(contribution.Series, s => s.Service == "checkout" && s.Signal == MetricSignals.ErrorRatio);
        Assert.Equal(("datadog", ErrorQuery, "ratio"), (errors.Source, errors.Query, errors.Unit));
        Assert.Equal((Window.Start, Window.End), (errors.From, errors.To));
        Assert.Equal("checkout", errors.Labels["service"]);
        Assert.Equal(0.01, errors.Baseline!.Value, 6);
        Assert.Equal(0.12, errors.Peak!.Value, 6);
        var step = Assert.IsType<StepChange>(errors.Step);
        Assert.Equal(T0.AddHours(-2).AddMinutes(100), step.At);
        Assert.Equal("up", step.Direction);
        Assert.True(errors.Points.Count <= 20);

        Assert.Equal("seconds", Assert.Single(contribution.Series, s => s.Signal == MetricSignals.LatencyP99).Unit);
        var saturation = contribution.Series.Where(s => s.Signal == MetricSignals.Saturation).ToList();
        Assert.Equal(["checkout-3", "checkout-2"], saturation.Select(s => s.Labels["pod_name"]));
        Assert.All(saturation, s => Assert.Equal("percent", s.Unit));

        var payments = Assert.Single(contribution.Series, s => s.Service == "payments");
        Assert.Equal((MetricSignals.ErrorRatio, PaymentsErrorQuery), (payments.Signal, payments.Query));
    }

    [Fact]
    public async Task Every_call_carries_both_keys_and_the_documented_parameters()
    {
        _datadog.AddLog(T0.AddMinutes(-1), "boom");

        await Source().CollectAsync(Request(), default);

        var requests = _datadog.Requests.ToList();
        Assert.Equal(6, requests.Count); // 3 checkout metrics, 1 payments metric, events, logs
        Assert.All(requests, r =>
        {
            Assert.Equal(ApiKey, r.Headers["DD-API-KEY"]);
            Assert.Equal(AppKey, r.Headers["DD-APPLICATION-KEY"]);
        });
        var start = Window.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var end = Window.End.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.All(requests.Where(r => r.Path == "/api/v1/query"), r => Assert.Equal((start, end), (r.Query["from"], r.Query["to"])));
        Assert.Equal(
            new[] { ErrorQuery, LatencyQuery, PaymentsErrorQuery, SaturationQuery }.Order(StringComparer.Ordinal),
            requests.Where(r => r.Path == "/api/v1/query").Select(r => r.Query["query"]).Order(StringComparer.Ordinal));

        var events = Assert.Single(requests, r => r.Path == "/api/v1/events");
        Assert.Equal((start, end, "service:checkout,env:prod"), (events.Query["start"], events.Query["end"], events.Query["tags"]));

        var logs = Assert.Single(requests, r => r.Path == "/api/v2/logs/events/search");
        Assert.Equal("POST", logs.Method);
        Assert.StartsWith("application/json", logs.Headers["Content-Type"]);
        var body = JsonNode.Parse(logs.Body)!;
        Assert.Equal(LogsQuery, body["filter"]!["query"]!.GetValue<string>());
        Assert.Equal(Window.Start, DateTimeOffset.Parse(body["filter"]!["from"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal(Window.End, DateTimeOffset.Parse(body["filter"]!["to"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal(1000, body["page"]!["limit"]!.GetValue<int>());
        Assert.Equal("-timestamp", body["sort"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deploy_events_of_the_service_become_deploy_records_by_the_tag_and_title_convention()
    {
        _datadog.AddEvent(T0.AddMinutes(-10), "Deployed checkout", ["service:checkout", "env:prod", "deployment", "version:v7.4.2", "previous_version:v7.4.1", "author:ci"])
            .AddEvent(T0.AddMinutes(-70), "Deploy of checkout version 7.4.1 finished", ["service:checkout", "env:prod"])
            .AddEvent(T0.AddMinutes(-20), "Deployed payments v3.0.0", ["service:payments", "env:prod", "deployment"])
            .AddEvent(T0.AddMinutes(-30), "Autoscaled checkout to 6 replicas", ["service:checkout", "env:prod"])
            .AddEvent(T0.AddMinutes(-40), "Deployment started", ["service:checkout", "env:prod"])
            .AddEvent(T0.AddHours(-5), "Deployed checkout v7.3.0", ["service:checkout", "env:prod"]);

        var deploys = (await Source().CollectAsync(Request(), default)).Deploys;

        Assert.Equal(["v7.4.2", "7.4.1"], deploys.Select(d => d.Version));
        var latest = deploys[0];
        Assert.Equal(("checkout", T0.AddMinutes(-10), "v7.4.1", "prod", "ci", "datadog"),
            (latest.Service, latest.DeployedAt, latest.PreviousVersion, latest.Environment, latest.Author, latest.Source));
    }

    [Theory]
    [InlineData("Deployed checkout 2.0.0-rc.1 to prod", new[] { "service:checkout" }, "2.0.0-rc.1")]
    [InlineData("checkout rollout", new[] { "event_type:deployment", "version:abc1234" }, "abc1234")]
    [InlineData("Deploying checkout, version: 42", new string[0], "42")]
    [InlineData("Deployed checkout", new[] { "service:checkout" }, null)]
    [InlineData("Restarted checkout v1.2.3", new[] { "service:checkout" }, null)]
    [InlineData("Deployed CHECKOUT v1.2.3", new[] { "service:Checkout" }, "v1.2.3")]
    [InlineData("Deployed payments v1.2.3", new[] { "service:payments" }, null)]
    public void Deploy_event_convention(string title, string[] tags, string? version)
    {
        var deploy = DatadogDeployEvents.Read("checkout", T0, title, tags);

        Assert.Equal(version, deploy?.Version);
    }

    [Theory]
    [InlineData("env:staging", false)]
    [InlineData("env:prod", true)]
    [InlineData(null, true)]
    public void A_deploy_to_another_environment_than_the_entrys_is_not_the_services(string? envTag, bool kept)
    {
        List<string> tags = ["deployment", "service:checkout", "version:v2.14.0"];
        if (envTag is not null)
        {
            tags.Add(envTag);
        }

        var deploy = DatadogDeployEvents.Read("checkout", T0, "Deployed checkout v2.14.0", tags, ["service:checkout", "env:prod"]);

        Assert.Equal(kept, deploy is not null);
    }

    [Fact]
    public async Task Logs_are_read_page_by_page_up_to_the_line_bound_and_grouped()
    {
        for (var i = 0; i < 2500; i++)
        {
            _datadog.AddLog(T0.AddSeconds(-i), i % 2 == 0 ? $"charge {i} declined by gateway" : $"timeout after {i}ms calling payments");
        }

        var contribution = await Source().CollectAsync(Request(bounds: new ContextBounds { MaxLogLines = 2200 }), default);

        var pages = _datadog.Requests.Where(r => r.Path == "/api/v2/logs/events/search").Select(r => JsonNode.Parse(r.Body)!["page"]!).ToList();
        Assert.Equal([1000, 1000, 200], pages.Select(p => p["limit"]!.GetValue<int>()));
        Assert.Null(pages[0]["cursor"]);
        Assert.NotNull(pages[1]["cursor"]);
        Assert.NotEqual(pages[1]["cursor"]!.GetValue<string>(), pages[2]["cursor"]!.GetValue<string>());
        Assert.Equal(2, contribution.LogPatterns.Count);
        Assert.Equal(2200, contribution.LogPatterns.Sum(p => p.Count));
        Assert.All(contribution.LogPatterns, p => Assert.Equal(("datadog", LogsQuery, Window.Start, Window.End), (p.Source, p.Query, p.From, p.To)));
        Assert.Contains(contribution.LogPatterns, p => p.Pattern == "charge <n> declined by gateway" && p.LastSeen == T0);
    }

    [Fact]
    public async Task Wrong_keys_are_refused_everywhere_and_the_error_names_no_key()
    {
        var options = new DatadogSourceOptions { Url = _datadog.Url, ApiKey = ApiKey, ApplicationKey = "wrong-" + AppKey };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source(options).CollectAsync(Request(), default));

        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Contains("every request failed", error.Message);
        Assert.Contains("error_ratio query: 403 Forbidden", error.Message);
        Assert.Contains("events: 403 Forbidden", error.Message);
        Assert.Contains("logs search: 403 Forbidden", error.Message);
        Assert.DoesNotContain(ApiKey, error.ToString());
        Assert.DoesNotContain(AppKey, error.ToString());
    }

    [Fact]
    public async Task One_failing_query_is_a_problem_while_the_rest_answers()
    {
        _datadog.AddSeries(LatencyQuery, "service:checkout", Minutes(_ => 0.25))
            .FailQuery(ErrorQuery, HttpStatusCode.BadRequest, "Error parsing query: unable to parse sum:trace.http.request.errors{service:checkout}.as_count()/: Rule 'scope_expr' didn't match")
            .AddEvent(T0.AddMinutes(-10), "Deployed checkout", ["service:checkout", "version:v7.4.2"]);

        var contribution = await Source().CollectAsync(Request(), default);

        var problem = Assert.Single(contribution.Problems);
        Assert.StartsWith("error_ratio query: 400 Error parsing query:", problem);
        Assert.Single(contribution.Series, s => s.Signal == MetricSignals.LatencyP99);
        Assert.Equal("v7.4.2", Assert.Single(contribution.Deploys).Version);
    }

    [Fact]
    public async Task A_failing_endpoint_or_malformed_answer_is_a_problem_of_its_own()
    {
        _datadog.Fail(FakeDatadog.Events, HttpStatusCode.InternalServerError, "Internal Server Error");
        _datadog.Malformed[FakeDatadog.Logs] = true;
        _datadog.AddSeries(ErrorQuery, "service:checkout", Minutes(_ => 0.01));

        var contribution = await Source().CollectAsync(Request(), default);

        Assert.Contains("events: 500 Internal Server Error", contribution.Problems);
        Assert.Contains(contribution.Problems, p => p.StartsWith("logs search: the answer is not JSON", StringComparison.Ordinal));
        Assert.Equal(2, contribution.Problems.Count);
        Assert.Single(contribution.Series, s => s.Signal == MetricSignals.ErrorRatio && s.Service == "checkout");
    }

    [Fact]
    public async Task A_dependency_problem_names_the_dependency()
    {
        _datadog.FailQuery(PaymentsErrorQuery, HttpStatusCode.TooManyRequests, "Rate limit exceeded");

        var contribution = await Source().CollectAsync(Request(), default);

        Assert.Equal(["error_ratio query for payments: 429 Rate limit exceeded"], contribution.Problems);
    }

    [Fact]
    public async Task A_slow_answer_is_cancelled_by_the_token()
    {
        _datadog.Delay = TimeSpan.FromSeconds(30);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = DateTimeOffset.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().CollectAsync(Request(), cts.Token));

        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_service_without_a_Datadog_part_asks_nothing()
    {
        var contribution = await Source().CollectAsync(Request(Checkout() with { Datadog = null }), default);

        Assert.Same(ContextContribution.Empty, contribution);
        Assert.Empty(_datadog.Requests);
    }

    [Fact]
    public void The_source_is_on_only_with_the_site_and_both_keys()
    {
        var url = new Uri("https://api.datadoghq.eu");

        Assert.True(new DatadogSourceOptions { Url = url, ApiKey = "a", ApplicationKey = "b" }.IsEnabled);
        Assert.False(new DatadogSourceOptions { Url = url, ApiKey = "a" }.IsEnabled);
        Assert.False(new DatadogSourceOptions { Url = url, ApplicationKey = "b" }.IsEnabled);
        Assert.False(new DatadogSourceOptions { ApiKey = "a", ApplicationKey = "b" }.IsEnabled);
    }

    private DatadogSource Source(DatadogSourceOptions? options = null) =>
        new(_services.GetRequiredService<IHttpClientFactory>(),
            Options.Create(options ?? new DatadogSourceOptions { Url = _datadog.Url, ApiKey = ApiKey, ApplicationKey = AppKey }));

    /// <summary>One point a minute over the window (136 points), the value from the minute's index.</summary>
    private static IEnumerable<(DateTimeOffset, double?)> Minutes(Func<int, double> value) =>
        Enumerable.Range(0, 136).Select(i => (Window.Start.AddMinutes(i), (double?)value(i)));

    private static CatalogEntry Checkout() => new()
    {
        Name = "checkout",
        DependsOn = ["payments"],
        Datadog = new DatadogQueries
        {
            Tags = ["service:checkout", "env:prod"],
            ErrorRatio = ErrorQuery,
            LatencyP99 = LatencyQuery,
            Saturation = SaturationQuery,
            SaturationIsPercent = true,
            Logs = LogsQuery,
        },
    };

    private static ContextRequest Request(CatalogEntry? entry = null, ContextBounds? bounds = null) => new()
    {
        Command = Samples.Collect(),
        Service = entry ?? Checkout(),
        Dependencies = [new CatalogEntry { Name = "payments", Datadog = new DatadogQueries { ErrorRatio = PaymentsErrorQuery } }],
        Window = Window,
        Bounds = bounds ?? new ContextBounds(),
    };
}

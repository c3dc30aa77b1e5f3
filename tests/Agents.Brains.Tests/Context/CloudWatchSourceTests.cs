using System.Net;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.CloudWatch;
using Agents.Contracts.Context;
using Agents.Hosting.Catalog;
using Agents.Testing;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Context;

public sealed class CloudWatchSourceTests : IAsyncLifetime
{
    private const string LoadBalancer = "app/shop-alb/50dc6c495c0c9188";
    private static readonly DateTimeOffset StepAt = Samples.AlertTime.AddMinutes(-12);
    private static readonly ContextWindow Window = new(Samples.AlertTime.AddHours(-2), Samples.AlertTime.AddMinutes(15)) { IncidentStart = Samples.AlertTime.AddMinutes(-30) };
    private static readonly Dictionary<string, string> AlbDimensions = new() { ["LoadBalancer"] = LoadBalancer };
    private static readonly Dictionary<string, string> EcsDimensions = new() { ["ClusterName"] = "shop", ["ServiceName"] = "checkout" };

    private FakeCloudWatch _aws = null!;

    public async Task InitializeAsync()
    {
        _aws = await FakeCloudWatch.Start();
        var minutes = Enumerable.Range(0, 136).Select(i => Window.Start.AddMinutes(i)).ToList();
        _aws.Add("AWS/ApplicationELB", "RequestCount", AlbDimensions, "Sum", minutes.Select(t => (t, 1000.0 + (t.Minute % 7))));
        _aws.Add("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", AlbDimensions, "Sum", minutes.Select(t => (t, t < StepAt ? 5.0 + (t.Minute % 3) : 80.0 + (t.Minute % 5))));
        _aws.Add("AWS/ApplicationELB", "TargetResponseTime", AlbDimensions, "p99", minutes.Select(t => (t, 0.2 + (0.01 * (t.Minute % 4)))));
        _aws.Add("AWS/ECS", "CPUUtilization", EcsDimensions, "Average", minutes.Select(t => (t, 40.0 + (t.Minute % 6))));
    }

    public async Task DisposeAsync() => await _aws.DisposeAsync();

    [Fact]
    public async Task Error_ratio_latency_and_saturation_are_read_and_the_error_step_is_found()
    {
        var request = Request(Checkout());

        var contribution = await Source().CollectAsync(request, default);

        Assert.Empty(contribution.Problems);
        Assert.Equal([MetricSignals.ErrorRatio, MetricSignals.LatencyP99, MetricSignals.Saturation], contribution.Series.Select(s => s.Signal));
        Assert.All(contribution.Series, s =>
        {
            Assert.Equal("cloudwatch", s.Source);
            Assert.Equal("checkout", s.Service);
            Assert.Equal(Window.Start, s.From);
            Assert.Equal(Window.End, s.To);
            Assert.InRange(s.Points.Count, 1, new ContextBounds().MaxPoints);
        });

        var errors = contribution.Series[0];
        Assert.Equal("ratio", errors.Unit);
        Assert.Contains("FILL(errors, 0)/requests", errors.Query, StringComparison.Ordinal);
        Assert.Contains("Sum(AWS/ApplicationELB HTTPCode_Target_5XX_Count {LoadBalancer=" + LoadBalancer + "}) 60s", errors.Query, StringComparison.Ordinal);
        Assert.Contains("RequestCount", errors.Query, StringComparison.Ordinal);
        Assert.InRange(errors.Baseline!.Value, 0.004, 0.008);
        Assert.InRange(errors.Peak!.Value, 0.078, 0.085);
        var step = Assert.IsType<StepChange>(errors.Step);
        Assert.Equal(StepAt, step.At);
        Assert.Equal("up", step.Direction);
        Assert.InRange(step.After - step.Before, 0.07, 0.08);

        var latency = contribution.Series[1];
        Assert.Equal(("seconds", null), (latency.Unit, latency.Step));
        Assert.Equal("p99(AWS/ApplicationELB TargetResponseTime {LoadBalancer=" + LoadBalancer + "}) 60s in eu-west-1", latency.Query);
        Assert.InRange(latency.Peak!.Value, 0.2, 0.231);

        var saturation = contribution.Series[2];
        Assert.Equal("percent", saturation.Unit);
        Assert.Equal(EcsDimensions, saturation.Labels);
        Assert.InRange(saturation.Baseline!.Value, 40, 46);
    }

    [Fact]
    public async Task The_request_is_the_documented_query_protocol_call_over_the_window()
    {
        await Source().CollectAsync(Request(Checkout()), default);

        var sent = Assert.Single(_aws.Requests).Parameters;
        Assert.Equal("GetMetricData", sent["Action"]);
        Assert.Equal("2010-08-01", sent["Version"]);
        Assert.Equal("2026-11-24T00:13:00Z", sent["StartTime"]);
        Assert.Equal("2026-11-24T02:28:00Z", sent["EndTime"]);
        Assert.Equal("TimestampAscending", sent["ScanBy"]);
        Assert.Equal(("errors", "false", "Sum", "60"), Query(sent, 1));
        Assert.Equal("HTTPCode_Target_5XX_Count", sent["MetricDataQueries.member.1.MetricStat.Metric.MetricName"]);
        Assert.Equal(("LoadBalancer", LoadBalancer), (sent["MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name"], sent["MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value"]));
        Assert.Equal(("requests", "false", "Sum", "60"), Query(sent, 2));
        Assert.Equal(("error_ratio", "true", "FILL(errors, 0)/requests"), (sent["MetricDataQueries.member.3.Id"], sent["MetricDataQueries.member.3.ReturnData"], sent["MetricDataQueries.member.3.Expression"]));
        Assert.Equal(("latency_p99", "true", "p99", "60"), Query(sent, 4));
        Assert.Equal(("saturation", "true", "Average", "60"), Query(sent, 5));
        Assert.Equal("AWS/ECS", sent["MetricDataQueries.member.5.MetricStat.Metric.Namespace"]);
        Assert.False(sent.ContainsKey("MetricDataQueries.member.6.Id"));

        static (string, string, string, string) Query(IReadOnlyDictionary<string, string> p, int n) =>
            (p[$"MetricDataQueries.member.{n}.Id"], p[$"MetricDataQueries.member.{n}.ReturnData"], p[$"MetricDataQueries.member.{n}.MetricStat.Stat"], p[$"MetricDataQueries.member.{n}.MetricStat.Period"]);
    }

    [Fact]
    public async Task Requests_are_signed_with_sigv4_for_monitoring_in_the_region_and_verified_by_the_endpoint()
    {
        await Source().CollectAsync(Request(Checkout()), default);

        Assert.Equal(1, _aws.VerifiedSignatures);
        var headers = Assert.Single(_aws.Requests).Headers;
        var today = headers["x-amz-date"][..8];
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={FakeCloudWatch.AccessKeyId}/{today}/eu-west-1/monitoring/aws4_request, SignedHeaders=", headers["authorization"], StringComparison.Ordinal);
        Assert.Contains("host;x-amz-content-sha256;x-amz-date", headers["authorization"], StringComparison.Ordinal);
        Assert.False(headers.ContainsKey("x-amz-security-token"));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_signature_does_not_match_and_the_secret_is_not_in_the_error()
    {
        const string secret = "not-the-secret-Zq81xYw0pLk";

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source(o => o.SecretAccessKey = secret).CollectAsync(Request(Checkout()), default));

        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.StartsWith("CloudWatch GetMetricData (eu-west-1) answered 403 SignatureDoesNotMatch: The request signature we calculated does not match", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(FakeCloudWatch.SecretAccessKey, ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _aws.VerifiedSignatures);
    }

    [Fact]
    public async Task A_signature_older_than_five_minutes_is_refused()
    {
        var late = new FixedTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-6));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source(clock: late).CollectAsync(Request(Checkout()), default));

        Assert.Contains("403 SignatureDoesNotMatch: Signature expired", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_token_is_sent_as_x_amz_security_token_and_signed()
    {
        const string token = "FwoGZXIvYXdzEXAMPLE-session-token";
        _aws.SessionToken = token;

        var contribution = await Source(o => o.SessionToken = token).CollectAsync(Request(Checkout()), default);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(Checkout()), default));

        Assert.Equal(3, contribution.Series.Count);
        var headers = _aws.Requests.First().Headers;
        Assert.Equal(token, headers["x-amz-security-token"]);
        Assert.Contains(";x-amz-security-token, Signature=", headers["authorization"], StringComparison.Ordinal);
        Assert.Contains("403 InvalidClientTokenId", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_and_region_come_from_the_aws_variables_when_the_options_leave_them_empty()
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = FakeCloudWatch.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = FakeCloudWatch.SecretAccessKey,
            ["AWS_REGION"] = "eu-west-1",
        };
        var options = new CloudWatchSourceOptions { Url = _aws.Endpoint };
        var source = new CloudWatchSource(HttpClients(), Options.Create(options), TimeProvider.System, name => environment.GetValueOrDefault(name));

        var contribution = await source.CollectAsync(Request(Checkout() with { CloudWatch = Checkout().CloudWatch! with { Region = null } }), default);

        Assert.Equal(3, contribution.Series.Count);
        Assert.Equal(1, _aws.VerifiedSignatures);
        Assert.Null(options.ResolveCredentials(_ => null));
        Assert.IsType<SessionAWSCredentials>(options.ResolveCredentials(n => environment.GetValueOrDefault(n) ?? (n == "AWS_SESSION_TOKEN" ? "t" : null)));
        Assert.IsType<BasicAWSCredentials>(new CloudWatchSourceOptions { AccessKeyId = "a", SecretAccessKey = "b" }.ResolveCredentials(n => environment.GetValueOrDefault(n) ?? "t"));
        Assert.Equal("us-east-2", new CloudWatchSourceOptions { Url = new Uri("https://monitoring.us-east-2.amazonaws.com") }.ResolveRegion(null, _ => null));
    }

    [Fact]
    public async Task Pages_are_followed_with_next_token_and_joined_within_the_page_limit()
    {
        _aws.PageSize = 50;

        var contribution = await Source().CollectAsync(Request(Checkout()), default);
        var limited = await Source(o => o.MaxPages = 2).CollectAsync(Request(Checkout()), default);

        var sent = _aws.Requests.Take(3).Select(r => r.Parameters.GetValueOrDefault("NextToken")).ToList();
        Assert.Equal([null, "page:1", "page:2"], sent);
        Assert.Empty(contribution.Problems);
        var errors = contribution.Series[0];
        Assert.Equal(StepAt, errors.Step?.At);
        Assert.InRange(errors.Baseline!.Value, 0.004, 0.008);
        Assert.Equal(5, _aws.Requests.Count);
        Assert.Equal("checkout: more than 2 pages of data points; the rest was not read", Assert.Single(limited.Problems));
    }

    [Fact]
    public async Task A_slow_answer_is_cancelled_by_the_token()
    {
        _aws.Responder = _ => new FakeCloudWatch.Reply(HttpStatusCode.OK, "<GetMetricDataResponse/>", TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().CollectAsync(Request(Checkout()), cts.Token));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_entry_without_cloudwatch_asks_nothing()
    {
        var bare = new CatalogEntry { Name = "checkout", Prometheus = ServiceCatalog.OpenTelemetryPrometheus };
        var source = new CloudWatchSource(HttpClients(), Options.Create(new CloudWatchSourceOptions { Url = _aws.Endpoint }), TimeProvider.System, _ => null);

        var contribution = await source.CollectAsync(Request(bare) with { Dependencies = [bare with { Name = "payments" }] }, default);

        Assert.Same(ContextContribution.Empty, contribution);
        Assert.Empty(_aws.Requests);
    }

    [Fact]
    public async Task Dependencies_are_asked_too_and_one_that_fails_is_a_problem_while_the_others_count()
    {
        var payments = Checkout() with { Name = "payments" };
        var inventory = Checkout() with { Name = "inventory", CloudWatch = Checkout().CloudWatch! with { Dimensions = new Dictionary<string, string> { ["LoadBalancer"] = "app/inventory/1" } } };
        _aws.Responder = r => r.Parameters.Values.Contains("app/inventory/1")
            ? FakeCloudWatch.Error(HttpStatusCode.BadRequest, "InvalidParameterValue", "The value app/inventory/1 for parameter LoadBalancer is invalid.")
            : null;

        var contribution = await Source().CollectAsync(Request(Checkout()) with { Dependencies = [payments, inventory] }, default);

        Assert.Equal(["checkout", "payments"], contribution.Series.Select(s => s.Service).Distinct());
        Assert.Equal(
            "inventory: CloudWatch GetMetricData (eu-west-1) answered 400 InvalidParameterValue: The value app/inventory/1 for parameter LoadBalancer is invalid.",
            Assert.Single(contribution.Problems));
    }

    [Fact]
    public async Task A_metric_that_answers_no_points_is_named_as_a_problem()
    {
        var entry = Checkout() with { CloudWatch = Checkout().CloudWatch! with { Saturation = new CloudWatchMetric { MetricName = "MemoryUtilization", Stat = "Maximum" } } };

        var contribution = await Source().CollectAsync(Request(entry), default);

        Assert.Equal([MetricSignals.ErrorRatio, MetricSignals.LatencyP99], contribution.Series.Select(s => s.Signal));
        var problem = Assert.Single(contribution.Problems);
        Assert.StartsWith("checkout saturation: no data points for Maximum(AWS/ApplicationELB MemoryUtilization", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_parameters_are_refused_with_the_apis_error_when_nothing_answered()
    {
        var entry = Checkout() with { CloudWatch = Checkout().CloudWatch! with { LatencyP99 = new CloudWatchMetric { MetricName = "TargetResponseTime", Stat = "ninety-ninth" } } };

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(entry), default));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("400 InvalidParameterValue: The value ninety-ninth for parameter MetricDataQueries.member.4.MetricStat.Stat is invalid.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_answer_fails_the_source_with_a_clear_message()
    {
        _aws.Responder = _ => new FakeCloudWatch.Reply(HttpStatusCode.OK, "<GetMetricDataResponse><GetMetricDataResult>");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Source().CollectAsync(Request(Checkout()), default));

        Assert.StartsWith("CloudWatch GetMetricData (eu-west-1) answered 200 with a body that is not a GetMetricDataResponse", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_standard_endpoint_follows_the_entrys_region_and_any_other_is_kept()
    {
        Assert.Equal(new Uri("https://monitoring.us-east-1.amazonaws.com/"), CloudWatchSource.EndpointFor(new Uri("https://monitoring.eu-west-1.amazonaws.com"), "us-east-1"));
        Assert.Equal(_aws.Endpoint, CloudWatchSource.EndpointFor(_aws.Endpoint, "us-east-1"));
        Assert.Equal(120, GetMetricDataPlan.PeriodFor(new ContextWindow(Window.Start, Window.Start.AddDays(2)), TimeSpan.FromMinutes(1)));
    }

    private static CatalogEntry Checkout() => new()
    {
        Name = "checkout",
        CloudWatch = new CloudWatchQueries
        {
            Region = "eu-west-1",
            Namespace = "AWS/ApplicationELB",
            Dimensions = AlbDimensions,
            ErrorRatio = new CloudWatchRatio { Errors = "HTTPCode_Target_5XX_Count", Requests = "RequestCount" },
            LatencyP99 = new CloudWatchMetric { MetricName = "TargetResponseTime", Stat = "p99" },
            Saturation = new CloudWatchMetric { MetricName = "CPUUtilization", Stat = "Average", Namespace = "AWS/ECS", Dimensions = EcsDimensions },
        },
    };

    private static ContextRequest Request(CatalogEntry entry) => new()
    {
        Command = Samples.Collect(),
        Service = entry,
        Window = Window,
        Bounds = new ContextBounds(),
    };

    private CloudWatchSource Source(Action<CloudWatchSourceOptions>? configure = null, TimeProvider? clock = null)
    {
        var options = new CloudWatchSourceOptions
        {
            Url = _aws.Endpoint,
            AccessKeyId = FakeCloudWatch.AccessKeyId,
            SecretAccessKey = FakeCloudWatch.SecretAccessKey,
        };
        configure?.Invoke(options);
        return new CloudWatchSource(HttpClients(), Options.Create(options), clock ?? TimeProvider.System, _ => null);
    }

    private static IHttpClientFactory HttpClients() =>
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
}

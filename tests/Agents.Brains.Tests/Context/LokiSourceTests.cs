using System.Net;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.Loki;
using Agents.Hosting.Catalog;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Context;

public sealed class LokiSourceTests : IAsyncLifetime
{
    private const string Selector = "{namespace=\"shop\", app=\"checkout\"}";
    private const string Filter = "|~ \"(?i)(error|exception)\"";
    private const string Token = "glc_secret-token-value";

    private static readonly DateTimeOffset T0 = Samples.AlertTime;
    private static readonly ContextWindow Window = new(T0.AddHours(-2), T0.AddMinutes(15)) { IncidentStart = T0.AddMinutes(-30) };

    private readonly ServiceProvider _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private FakeLoki _loki = null!;

    public async Task InitializeAsync() => _loki = await FakeLoki.Start(tenant: "team-shop", bearerToken: Token);

    public async Task DisposeAsync()
    {
        await _loki.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task Error_lines_in_the_window_come_back_as_counted_patterns_with_their_query_and_range()
    {
        _loki.Add(T0.AddMinutes(-3), "payment 4412 failed: upstream 10.0.3.17:8080 status 503")
            .Add(T0.AddMinutes(-2), "payment 97 failed: upstream 10.0.9.2:8080 status 502")
            .Add(T0.AddMinutes(-1), "payment 5 failed: upstream 10.0.9.2:8080 status 503", new Dictionary<string, string> { ["app"] = "checkout", ["pod"] = "checkout-2" })
            .Add(T0.AddMinutes(-4), "NullReferenceException in CartController")
            .Add(T0.AddHours(-3), "payment 1 failed: upstream 10.0.0.1:8080 status 503"); // before the window

        var contribution = await Source().CollectAsync(Request(Entry()), default);

        Assert.Equal(2, contribution.LogPatterns.Count);
        var top = contribution.LogPatterns[0];
        Assert.Equal("payment <n> failed: upstream <ip> status <n>", top.Pattern);
        Assert.Equal(3, top.Count);
        Assert.Equal(T0.AddMinutes(-3), top.FirstSeen);
        Assert.Equal(T0.AddMinutes(-1), top.LastSeen);
        Assert.Equal("payment 5 failed: upstream 10.0.9.2:8080 status 503", top.Sample);
        Assert.All(contribution.LogPatterns, p =>
        {
            Assert.Equal("loki", p.Source);
            Assert.Equal($"{Selector} {Filter}", p.Query);
            Assert.Equal(Window.Start, p.From);
            Assert.Equal(Window.End, p.To);
        });
        Assert.Equal(1, contribution.LogPatterns[1].Count);
    }

    [Fact]
    public async Task The_request_is_the_documented_query_range_call_with_tenant_and_token()
    {
        await Source().CollectAsync(Request(Entry()), default);

        var request = Assert.Single(_loki.Requests);
        Assert.Equal("/loki/api/v1/query_range", request.Path);
        Assert.Equal($"{Selector} {Filter}", request.Query["query"]);
        Assert.Equal(FakeLoki.Nanoseconds(Window.Start), request.Query["start"]);
        Assert.Equal(FakeLoki.Nanoseconds(Window.End), request.Query["end"]);
        Assert.Equal("2000", request.Query["limit"]);
        Assert.Equal("backward", request.Query["direction"]);
        Assert.Equal("team-shop", request.Headers["X-Scope-OrgID"]);
        Assert.Equal($"Bearer {Token}", request.Headers["Authorization"]);
    }

    [Fact]
    public async Task Basic_credentials_are_sent_when_configured()
    {
        await using var loki = await FakeLoki.Start(basic: ("reader", "s3cret"));
        loki.Add(T0, "boom 1");

        var contribution = await Source(new LokiSourceOptions { Url = loki.Url, Username = "reader", Password = "s3cret" }).CollectAsync(Request(Entry()), default);

        Assert.Equal("boom <n>", Assert.Single(contribution.LogPatterns).Pattern);
    }

    [Fact]
    public async Task Bounds_limit_the_lines_asked_for_and_the_patterns_kept()
    {
        string[] kinds = ["timeout", "refused", "reset", "denied", "broken"];
        for (var i = 0; i < 30; i++)
        {
            _loki.Add(T0.AddSeconds(-i), $"{kinds[i % kinds.Length]} failure {i}");
        }

        var bounds = new ContextBounds { MaxLogLines = 12, MaxLogPatterns = 2 };
        var contribution = await Source().CollectAsync(Request(Entry(), bounds), default);

        Assert.Equal("12", Assert.Single(_loki.Requests).Query["limit"]);
        Assert.Equal(2, contribution.LogPatterns.Count);
        Assert.True(contribution.LogPatterns.Sum(p => p.Count) <= 12);
    }

    [Fact]
    public async Task The_limit_stays_within_what_Loki_accepts_per_query()
    {
        var contribution = await Source().CollectAsync(Request(Entry(), new ContextBounds { MaxLogLines = 20_000 }), default);

        Assert.Equal("5000", Assert.Single(_loki.Requests).Query["limit"]);
        Assert.Empty(contribution.LogPatterns);
    }

    [Fact]
    public async Task A_refused_query_surfaces_Lokis_own_text_shortened()
    {
        var entry = Entry() with { Loki = new LokiQuery { Selector = "app=checkout", Filter = "" } };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(entry), default));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("Loki answered 400", error.Message);
        Assert.Contains("parse error at line 1, col 1: syntax error: unexpected IDENTIFIER", error.Message);
        Assert.Contains("app=checkout", error.Message);
    }

    [Fact]
    public async Task A_long_error_body_is_shortened()
    {
        _loki.FailWith = (HttpStatusCode.InternalServerError, "rpc error: " + new string('z', 5000));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(Entry(), new ContextBounds { MaxTextLength = 50 }), default));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Contains("rpc error: zzz", error.Message);
        Assert.DoesNotContain(new string('z', 60), error.Message);
    }

    [Fact]
    public async Task A_missing_tenant_is_refused_with_no_org_id()
    {
        var options = new LokiSourceOptions { Url = _loki.Url, BearerToken = Token };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source(options).CollectAsync(Request(Entry()), default));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("no org id", error.Message);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_without_the_token_in_the_error()
    {
        var options = new LokiSourceOptions { Url = _loki.Url, TenantId = "team-shop", BearerToken = "wrong-" + Token };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source(options).CollectAsync(Request(Entry()), default));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.DoesNotContain(Token, error.ToString());
        Assert.DoesNotContain("secret", error.ToString());
    }

    [Fact]
    public async Task An_unreachable_Loki_is_named_in_the_error()
    {
        var options = new LokiSourceOptions { Url = new Uri("http://127.0.0.1:1"), TenantId = "team-shop", BearerToken = Token };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Source(options).CollectAsync(Request(Entry()), default));

        Assert.StartsWith("Loki could not be reached", error.Message);
        Assert.DoesNotContain(Token, error.ToString());
    }

    [Fact]
    public async Task An_answer_that_is_not_JSON_is_a_clear_failure()
    {
        _loki.Malformed = true;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Source().CollectAsync(Request(Entry()), default));

        Assert.Contains("Loki", error.Message);
        Assert.Contains("not JSON", error.Message);
    }

    [Fact]
    public async Task A_slow_answer_is_cancelled_by_the_token()
    {
        _loki.Delay = TimeSpan.FromSeconds(30);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = DateTimeOffset.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().CollectAsync(Request(Entry()), cts.Token));

        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_service_without_a_Loki_part_asks_nothing()
    {
        var contribution = await Source().CollectAsync(Request(Entry() with { Loki = null }), default);

        Assert.Same(ContextContribution.Empty, contribution);
        Assert.Empty(_loki.Requests);
    }

    [Fact]
    public void Options_take_one_kind_of_credentials()
    {
        var both = new LokiSourceOptions { Url = new Uri("http://loki:3100"), BearerToken = "t", Username = "u", Password = "p" };
        var halfBasic = new LokiSourceOptions { Url = new Uri("http://loki:3100"), Username = "u" };

        Assert.NotEmpty(both.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(both)));
        Assert.NotEmpty(halfBasic.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(halfBasic)));
        Assert.Empty(new LokiSourceOptions { Url = new Uri("http://loki:3100"), Username = "u", Password = "p" }.Validate(new(new object())));
        Assert.False(new LokiSourceOptions().IsEnabled);
    }

    private LokiSource Source(LokiSourceOptions? options = null) =>
        new(_services.GetRequiredService<IHttpClientFactory>(),
            Options.Create(options ?? new LokiSourceOptions { Url = _loki.Url, TenantId = "team-shop", BearerToken = Token }));

    private static CatalogEntry Entry() => new()
    {
        Name = "checkout",
        Loki = new LokiQuery { Selector = Selector, Filter = Filter },
    };

    private static ContextRequest Request(CatalogEntry entry, ContextBounds? bounds = null) => new()
    {
        Command = Samples.Collect(),
        Service = entry,
        Window = Window,
        Bounds = bounds ?? new ContextBounds(),
    };
}

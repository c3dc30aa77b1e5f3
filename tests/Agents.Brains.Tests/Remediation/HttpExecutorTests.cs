using System.Net;
using System.Text.Json.Nodes;
using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>The HTTP executor against a fake deploy tool, with the client set up as the service sets it up.</summary>
public sealed class HttpExecutorTests : IAsyncLifetime
{
    private static readonly ActionTarget Orders = new("orders", null);

    private FakeDeployTool _tool = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _tool = await FakeDeployTool.Start();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _tool.DisposeAsync();
    }

    [Fact]
    public async Task Bearer_request_is_templated_from_the_typed_parameters()
    {
        var step = Step("POST", "applications/{service}/rollback?note={note}", """{"id": {revision}, "name": "{service}", "note": "{note}"}""", new HttpStepAuth { Bearer = "ARGOCD_TOKEN" });

        var result = await Executor().RunAsync(step, new Dictionary<string, string> { ["service"] = "orders", ["revision"] = "42", ["note"] = "a/b:c" }, Orders, default);

        Assert.Equal(StepResult.Success($"POST {_tool.BaseUrl}applications/orders/rollback answered 200 OK"), result);
        var request = Assert.Single(_tool.Authorised);
        Assert.Equal(("POST", "/applications/orders/rollback?note=a%2Fb%3Ac"), (request.Method, request.PathAndQuery));
        Assert.Equal($"Bearer {FakeDeployTool.DefaultToken}", request.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal((42, "orders", "a/b:c"), ((int)body["id"]!, (string?)body["name"], (string?)body["note"]));
    }

    [Fact]
    public async Task Hmac_request_signs_the_body_in_the_named_header()
    {
        var step = Step("POST", "hooks/deploy", """{"service": "{service}"}""", new HttpStepAuth { Hmac = "DEPLOY_HMAC_KEY", Header = FakeDeployTool.HmacHeader });

        var result = await Executor().RunAsync(step, new Dictionary<string, string> { ["service"] = "orders" }, Orders, default);

        Assert.True(result.Succeeded, result.Summary);
        var request = Assert.Single(_tool.Authorised);
        Assert.Equal(FakeDeployTool.Sign(FakeDeployTool.DefaultHmacKey, """{"service": "orders"}"""), request.Header(FakeDeployTool.HmacHeader));
        Assert.Null(request.Header("Authorization"));
    }

    [Fact]
    public async Task A_value_cannot_break_out_of_its_json_string()
    {
        var step = Step("POST", "hooks/deploy", """{"note": "{note}", "admin": false}""", new HttpStepAuth { Bearer = "ARGOCD_TOKEN" });

        await Executor().RunAsync(step, new Dictionary<string, string> { ["note"] = "x\", \"admin\": true, \"y\": \"" }, Orders, default);

        var body = JsonNode.Parse(Assert.Single(_tool.Authorised).Body)!.AsObject();
        Assert.Equal(["note", "admin"], body.Select(p => p.Key));
        Assert.False((bool)body["admin"]!);
    }

    [Fact]
    public async Task Non_2xx_fails_with_the_status_and_never_the_secret()
    {
        _tool.Plan(new FakeDeployTool.Reply(HttpStatusCode.InternalServerError, $"{{\"error\":\"bad token {FakeDeployTool.DefaultToken}\"}}"));
        var step = Step("POST", "applications/{service}/rollback", null, new HttpStepAuth { Bearer = "ARGOCD_TOKEN" });

        var result = await Executor().RunAsync(step, new Dictionary<string, string> { ["service"] = "orders" }, Orders, default);

        Assert.False(result.Succeeded);
        Assert.StartsWith($"POST {_tool.BaseUrl}applications/orders/rollback answered 500 Internal Server Error", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeDeployTool.DefaultToken, result.Summary, StringComparison.Ordinal);
        Assert.Contains("***", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_secret_is_a_401_failure_that_does_not_show_it()
    {
        _tool.Token = "another-token";
        var step = Step("POST", "applications/{service}/rollback", null, new HttpStepAuth { Bearer = "ARGOCD_TOKEN" });

        var result = await Executor().RunAsync(step, new Dictionary<string, string> { ["service"] = "orders" }, Orders, default);

        Assert.False(result.Succeeded);
        Assert.Contains("answered 401 Unauthorized", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeDeployTool.DefaultToken, result.Summary, StringComparison.Ordinal);
        Assert.Empty(_tool.Authorised);
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        _tool.Plan(new FakeDeployTool.Reply(HttpStatusCode.Found, "", _tool.BaseUrl + "elsewhere"));
        var step = Step("POST", "applications/{service}/rollback", null, new HttpStepAuth { Bearer = "ARGOCD_TOKEN" });

        var result = await Executor().RunAsync(step, new Dictionary<string, string> { ["service"] = "orders" }, Orders, default);

        Assert.False(result.Succeeded);
        Assert.Contains("answered 302 Found (redirects are not followed)", result.Summary, StringComparison.Ordinal);
        Assert.Single(_tool.Requests);
    }

    [Fact]
    public async Task Missing_secret_is_refused_before_any_request()
    {
        var step = Step("POST", "x", null, new HttpStepAuth { Bearer = "NOT_SET_ANYWHERE_TOKEN" });
        var executor = Executor();

        var result = await executor.RunAsync(step, new Dictionary<string, string>(), Orders, default);

        Assert.Equal(StepResult.Failure("refused: the secret NOT_SET_ANYWHERE_TOKEN is not set (environment variable NOT_SET_ANYWHERE_TOKEN or Remediation__Secrets__NOT_SET_ANYWHERE_TOKEN)"), result);
        Assert.NotNull(executor.ValidateTarget(step, Orders));
        Assert.Empty(_tool.Requests);
    }

    [Fact]
    public async Task Slow_tool_fails_at_the_timeout()
    {
        await using var slow = await SlowServer.Start();
        var step = new HttpStep { Method = "GET", Url = slow.Url };

        var result = await Executor(TimeSpan.FromSeconds(1)).RunAsync(step, new Dictionary<string, string>(), Orders, default);

        Assert.Equal(StepResult.Failure($"GET {slow.Url} got no answer within 1 s"), result);
    }

    private HttpStep Step(string method, string path, string? body, HttpStepAuth? auth) =>
        new() { Method = method, Url = _tool.BaseUrl + path, Body = body, Auth = auth };

    private HttpActionExecutor Executor(TimeSpan? timeout = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Remediation:Secrets:ARGOCD_TOKEN"] = FakeDeployTool.DefaultToken,
            ["Remediation:Secrets:DEPLOY_HMAC_KEY"] = FakeDeployTool.DefaultHmacKey,
            ["Remediation:Http:Timeout"] = (timeout ?? TimeSpan.FromSeconds(10)).ToString(),
        });
        builder.AddActionExecutors();
        _services = builder.Services.BuildServiceProvider();
        return _services.GetServices<IActionExecutor>().OfType<HttpActionExecutor>().Single();
    }

    /// <summary>A server that never answers (until disposed).</summary>
    private sealed class SlowServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly CancellationTokenSource _stop = new();

        private SlowServer(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public static async Task<SlowServer> Start()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new SlowServer(app);
            app.Run(async context =>
            {
                using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, server._stop.Token);
                await Task.Delay(Timeout.Infinite, both.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            });
            await app.StartAsync();
            server.Url = app.Urls.Single().TrimEnd('/') + "/slow";
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _app.DisposeAsync();
            _stop.Dispose();
        }
    }
}

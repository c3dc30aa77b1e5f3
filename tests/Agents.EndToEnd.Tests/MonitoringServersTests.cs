using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The monitoring test helpers against the real Prometheus and Alertmanager: a rule fires while its scrape target is
/// down, Alertmanager delivers the webhook with a bearer token, and the resolved webhook follows once the target is
/// served. Needs no RabbitMQ or PostgreSQL.
/// </summary>
public sealed class MonitoringServersTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_rule_fires_and_resolves_through_Alertmanager_to_a_webhook_with_a_bearer_token()
    {
        var token = "am-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var webhook = await WebhookReceiver.Start();
        await using var target = ScrapeTarget.Reserve();

        var clock = Stopwatch.StartNew();
        await using var alertmanager = await AlertmanagerServer.Start(webhook.Url, token);
        var alertmanagerStarted = clock.Elapsed;
        await using var prometheus = await PrometheusServer.Start(
            alertmanager.Address,
            target.HostPort,
            job: "checkout",
            alertName: "CheckoutTargetDown",
            labels: new Dictionary<string, string> { ["severity"] = "critical", ["service"] = "checkout" },
            annotations: new Dictionary<string, string> { ["summary"] = "The checkout scrape target is down" });
        var prometheusStarted = clock.Elapsed;

        async Task<string> Diagnostics() => string.Join(
            Environment.NewLine,
            $"Prometheus /api/v1/alerts: {await Safely(() => prometheus.Get("api/v1/alerts"))}",
            $"Prometheus /api/v1/targets: {await Safely(() => prometheus.Get("api/v1/targets"))}",
            $"Alertmanager /api/v2/alerts: {await Safely(() => alertmanager.Get("api/v2/alerts"))}",
            $"Prometheus rules:{Environment.NewLine}{prometheus.RulesText}",
            $"Alertmanager config:{Environment.NewLine}{alertmanager.ConfigText}",
            $"Prometheus log:{Environment.NewLine}{prometheus.RecentOutput}",
            $"Alertmanager log:{Environment.NewLine}{alertmanager.RecentOutput}");

        // Firing: nothing listens on the target, so up{job="checkout"} == 0 at the first scrape.
        var firing = await webhook.WaitFor(d => d.Status == "firing", Patience, Diagnostics);
        var fired = clock.Elapsed;
        output.WriteLine($"firing webhook:{Environment.NewLine}{firing.Body}");

        Assert.Equal($"Bearer {token}", firing.Authorization);
        Assert.StartsWith("application/json", firing.ContentType, StringComparison.Ordinal);
        Assert.Equal(WebhookReceiver.Path, firing.Path);
        var body = firing.Json;
        Assert.Equal("4", (string?)body["version"]);
        Assert.Equal("firing", (string?)body["status"]);
        Assert.Equal(AlertmanagerServer.ReceiverName, (string?)body["receiver"]);
        Assert.Equal(alertmanager.Address.AbsoluteUri.TrimEnd('/'), ((string?)body["externalURL"])?.TrimEnd('/'));
        Assert.Equal(0, (int?)body["truncatedAlerts"]);
        var expectedLabels = new Dictionary<string, string>
        {
            ["alertname"] = "CheckoutTargetDown",
            ["instance"] = target.HostPort,
            ["job"] = "checkout",
            ["service"] = "checkout",
            ["severity"] = "critical",
        };
        Assert.Equal(expectedLabels, Strings(body["commonLabels"]));
        Assert.Equal("The checkout scrape target is down", (string?)body["commonAnnotations"]?["summary"]);
        var alerts = Assert.IsType<JsonArray>(body["alerts"]);
        var alert = Assert.Single(alerts)!;
        Assert.Equal("firing", (string?)alert["status"]);
        Assert.Equal(expectedLabels, Strings(alert["labels"]));
        Assert.Equal(new Dictionary<string, string> { ["summary"] = "The checkout scrape target is down" }, Strings(alert["annotations"]));
        Assert.StartsWith(prometheus.Address.AbsoluteUri + "graph?", (string?)alert["generatorURL"], StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{16}$", (string?)alert["fingerprint"]);
        var startsAt = DateTimeOffset.Parse((string)alert["startsAt"]!, CultureInfo.InvariantCulture);
        Assert.Equal("0001-01-01T00:00:00Z", (string?)alert["endsAt"]);

        // Resolved: serve /metrics on the target, so up == 1 at the next scrape.
        var serving = clock.Elapsed;
        await target.StartServing();
        var resolved = await webhook.WaitFor(d => d.Status == "resolved", Patience, Diagnostics);
        var resolvedAt = clock.Elapsed;
        output.WriteLine($"resolved webhook:{Environment.NewLine}{resolved.Body}");

        Assert.Equal($"Bearer {token}", resolved.Authorization);
        Assert.Equal("4", (string?)resolved.Json["version"]);
        Assert.Equal("resolved", (string?)resolved.Json["status"]);
        Assert.Equal((string?)body["groupKey"], (string?)resolved.Json["groupKey"]);
        var resolvedAlert = Assert.Single(Assert.IsType<JsonArray>(resolved.Json["alerts"]))!;
        Assert.Equal("resolved", (string?)resolvedAlert["status"]);
        Assert.Equal(expectedLabels, Strings(resolvedAlert["labels"]));
        Assert.Equal((string?)alert["fingerprint"], (string?)resolvedAlert["fingerprint"]);
        Assert.Equal(startsAt, DateTimeOffset.Parse((string)resolvedAlert["startsAt"]!, CultureInfo.InvariantCulture));
        var endsAt = DateTimeOffset.Parse((string)resolvedAlert["endsAt"]!, CultureInfo.InvariantCulture);
        Assert.True(endsAt > startsAt, $"endsAt {endsAt:O} is not after startsAt {startsAt:O}");
        Assert.True(target.Scrapes > 0, "Prometheus never scraped the served target");

        var deliveries = webhook.Deliveries;
        var firingCount = deliveries.Count(d => d.Status == "firing");
        Assert.Equal(1, firingCount); // repeat_interval is 4 h: an unchanged firing group is not notified again

        output.WriteLine(string.Join(
            Environment.NewLine,
            $"Alertmanager ready after {Seconds(alertmanagerStarted)}",
            $"Prometheus ready after {Seconds(prometheusStarted - alertmanagerStarted)}",
            $"Prometheus ready -> firing webhook: {Seconds(fired - prometheusStarted)} (alert startsAt -> webhook: {Seconds(firing.ReceivedAt - startsAt)})",
            $"target served -> resolved webhook: {Seconds(resolvedAt - serving)} (alert endsAt -> webhook: {Seconds(resolved.ReceivedAt - endsAt)})",
            $"deliveries: {string.Join(", ", deliveries.Select(d => d.Status))}; scrapes of the served target: {target.Scrapes}"));
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.00 's'", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Strings(JsonNode? node) =>
        Assert.IsType<JsonObject>(node).ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal);

    private static async Task<string> Safely(Func<Task<string>> get)
    {
        try
        {
            return await get();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"unavailable ({e.Message})";
        }
    }

    /// <summary>A Kestrel endpoint on 127.0.0.1 that records Alertmanager's webhook deliveries and answers 200.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        public const string Path = "/webhooks/alertmanager";

        private readonly WebApplication _app;
        private readonly Lock _gate = new();
        private readonly List<Delivery> _deliveries = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private WebhookReceiver(WebApplication app)
        {
            _app = app;
            _app.Run(Handle);
        }

        public Uri Url { get; private set; } = null!;

        public IReadOnlyList<Delivery> Deliveries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _deliveries];
                }
            }
        }

        public sealed record Delivery(DateTimeOffset ReceivedAt, string Method, string Path, string? Authorization, string? ContentType, string Body, JsonNode Json)
        {
            public string? Status => (string?)Json["status"];
        }

        public static async Task<WebhookReceiver> Start()
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseKestrelCore();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            try
            {
                await app.StartAsync();
                var port = app.Services.GetRequiredService<IServer>()
                    .Features.Get<IServerAddressesFeature>()!.Addresses
                    .Select(a => new Uri(a).Port).Single();
                receiver.Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{Path}");
                return receiver;
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }

        /// <summary>Waits (checking now and after each delivery) for a delivery that matches, until the deadline.</summary>
        public async Task<Delivery> WaitFor(
            Func<Delivery, bool> predicate,
            TimeSpan timeout,
            Func<Task<string>> diagnostics,
            [CallerArgumentExpression(nameof(predicate))] string? predicateText = null)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                Task changed;
                Delivery? match;
                lock (_gate)
                {
                    match = _deliveries.FirstOrDefault(predicate);
                    changed = _changed.Task;
                }

                if (match is not null)
                {
                    return match;
                }

                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                {
                    var received = Deliveries;
                    throw new TimeoutException(
                        $"No webhook delivery where {predicateText} within {timeout}; {received.Count} arrived: "
                        + string.Join(" | ", received.Select(d => $"{d.ReceivedAt:HH:mm:ss.fff} {d.Method} {d.Path} {d.Body}"))
                        + Environment.NewLine + await diagnostics());
                }

                try
                {
                    await changed.WaitAsync(remaining);
                }
                catch (TimeoutException)
                {
                    // Check once more on the next turn, then report.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _app.StopAsync();
            }
            finally
            {
                await _app.DisposeAsync();
            }
        }

        private async Task Handle(HttpContext context)
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            JsonNode json;
            try
            {
                json = JsonNode.Parse(body) ?? new JsonObject();
            }
            catch (System.Text.Json.JsonException)
            {
                json = new JsonObject { ["unparsable"] = body };
            }

            var delivery = new Delivery(
                DateTimeOffset.UtcNow,
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization ? authorization : null,
                context.Request.ContentType,
                body,
                json);
            TaskCompletionSource changed;
            lock (_gate)
            {
                _deliveries.Add(delivery);
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.SetResult();
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
    }
}

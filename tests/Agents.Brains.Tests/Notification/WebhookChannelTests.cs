using System.Net;
using System.Text.Json;
using Agents.Notification.Channels;
using Agents.Notification.Channels.Webhook;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Brains.Tests.Notification;

/// <summary>The generic webhook channel against a local receiver that checks the signature as the ingress does.</summary>
public sealed class WebhookChannelTests : IAsyncLifetime
{
    private static readonly Guid IncidentId = Guid.Parse("0d4f3c2b-8e1a-4f6d-b7c9-2a3e5f6a7b8c");

    private FakeWebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await FakeWebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Posts_the_event_as_signed_json_the_ingress_scheme_verifies()
    {
        var channel = Channel(Settings());

        var receipt = await channel.SendAsync(Message(), null, default);

        var delivery = Assert.Single(_receiver.Deliveries);
        Assert.Null(delivery.SignatureError);
        Assert.Equal(204, delivery.AnsweredStatus);
        Assert.Equal("/hooks/agents", delivery.Path);
        Assert.Equal("escalation", delivery.Header("X-Agents-Event"));
        Assert.Equal("escalation:1", delivery.Header("X-Agents-Delivery"));
        Assert.StartsWith("application/json", delivery.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("webhook ops-bridge answered 204", receipt.Detail);

        // The signature is the ingress's: recomputed with the ingress tests' signer from the header's own timestamp.
        var signature = delivery.Header("X-Agents-Signature")!;
        var t = long.Parse(signature.Split(',')[0]["t=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WebhookSigning.GenericSignature(FakeWebhookReceiver.DefaultSecret, delivery.Body, DateTimeOffset.FromUnixTimeSeconds(t)), signature);
        Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(t), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        using var json = JsonDocument.Parse(delivery.Body);
        var root = json.RootElement;
        Assert.Equal(
            ["incidentId", "event", "eventKey", "priority", "status", "title", "summary", "severity", "service", "team", "source", "links", "details", "at"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(IncidentId.ToString("D"), root.GetProperty("incidentId").GetString());
        Assert.Equal("page", root.GetProperty("priority").GetString());
        Assert.Equal("Escalated", root.GetProperty("status").GetString());
        Assert.Equal("<b>auth-service</b> 5xx\nat 23%", root.GetProperty("summary").GetString());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("team").ValueKind);
        Assert.Equal($"https://agents.example.test/incidents/{IncidentId:D}", root.GetProperty("links").GetProperty("incident").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("links").GetProperty("trace").ValueKind);
        Assert.Equal("v7.4.2", root.GetProperty("details").GetProperty("suspect_version").GetString());
        Assert.Equal("2026-11-24T02:20:00.000Z", root.GetProperty("at").GetString());
    }

    [Fact]
    public async Task A_receiver_answering_429_with_retry_after_gets_the_event_again_after_the_wait()
    {
        _receiver.Plan(new FakeWebhookReceiver.Reply(HttpStatusCode.TooManyRequests, """{"error":"slow down"}""", TimeSpan.FromSeconds(1)));
        var channel = Channel(Settings());
        var started = DateTime.UtcNow;

        await channel.SendAsync(Message(), null, default);

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "the retry waited for Retry-After");
        Assert.Equal([429, 204], _receiver.Deliveries.Select(d => d.AnsweredStatus));
        Assert.Equal(2, _receiver.Verified.Count);
        Assert.Equal(_receiver.Deliveries.First().Text, _receiver.Deliveries.Last().Text);
    }

    [Fact]
    public async Task A_receiver_failing_with_500_fails_the_delivery_after_the_retries_with_the_status_and_a_cut_body()
    {
        var body = "upstream exploded: " + new string('z', 1_000);
        _receiver.Plan(Enumerable.Range(0, 10).Select(_ => new FakeWebhookReceiver.Reply(HttpStatusCode.InternalServerError, body)).ToArray());
        var channel = Channel(Settings());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => channel.SendAsync(Message(), null, default));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.StartsWith("webhook ops-bridge answered 500 Internal Server Error: upstream exploded: zzz", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("z…", error.Message, StringComparison.Ordinal);
        var quoted = error.Message[(error.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        Assert.Equal(200, quoted.Length);
        Assert.Equal(1 + ChannelHttp.MaxRetries, _receiver.Deliveries.Count);
        Assert.DoesNotContain(FakeWebhookReceiver.DefaultSecret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_receiver_and_reported_without_the_secret()
    {
        var settings = Settings();
        settings["Notification:Channels:Webhook:Secret"] = "whsec_not-the-receivers";
        var channel = Channel(settings);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => channel.SendAsync(Message(), null, default));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("no v1 signature in X-Agents-Signature matches t.body", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_not-the-receivers", error.ToString(), StringComparison.Ordinal);
        var delivery = Assert.Single(_receiver.Deliveries);
        Assert.NotNull(delivery.SignatureError);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_reported_by_its_label_never_by_its_url()
    {
        var settings = Settings();
        var closed = _receiver.BaseUrl;
        await _receiver.DisposeAsync();
        settings["Notification:Channels:Webhook:Url"] = closed + "hooks/T0KEN-in-the-path?key=also-secret";
        settings["Notification:Channels:Webhook:Name"] = null;
        var channel = Channel(settings);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => channel.SendAsync(Message(), null, default));

        Assert.StartsWith($"webhook {new Uri(closed).Authority} could not be reached", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("T0KEN", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("also-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_url_or_secret_the_channel_is_off()
    {
        foreach (var (key, value) in new (string, string?)[] { ("Url", null), ("Secret", null), ("Secret", ""), ("Url", "ftp://example.test/x"), ("Url", "/relative") })
        {
            var settings = Settings();
            settings[$"Notification:Channels:Webhook:{key}"] = value;
            Assert.False(Channel(settings).IsConfigured, $"{key}={value}");
        }

        var channel = Channel(Settings());
        Assert.True(channel.IsConfigured);
        Assert.Equal("webhook", channel.Name);
        Assert.False(channel.IsIdempotent);
        Assert.Null(channel.DefaultTarget);
        Assert.Empty(_receiver.Deliveries);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Notification:Channels:Webhook:Url"] = _receiver.HookUrl,
        ["Notification:Channels:Webhook:Secret"] = _receiver.Secret,
        ["Notification:Channels:Webhook:Name"] = "ops-bridge",
    };

    private static INotificationChannel Channel(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddWebhookChannel(configuration);
        var channel = Assert.Single(services.BuildServiceProvider().GetServices<INotificationChannel>());
        return Assert.IsType<WebhookChannel>(channel);
    }

    private static ChannelMessage Message() => new()
    {
        IncidentId = IncidentId,
        Event = "escalation",
        EventKey = "escalation:1",
        Priority = "page",
        Status = "Escalated",
        Title = "Escalated: [critical] auth-service 5xx error rate is 23%",
        Summary = "<b>auth-service</b> 5xx\nat 23%",
        Severity = "critical",
        Service = "auth-service",
        Source = "alertmanager",
        IncidentUrl = new Uri($"https://agents.example.test/incidents/{IncidentId:D}"),
        Details = new Dictionary<string, string> { ["suspect_version"] = "v7.4.2" },
        At = new DateTimeOffset(2026, 11, 24, 2, 20, 0, TimeSpan.Zero),
    };
}

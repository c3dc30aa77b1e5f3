using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Notification.Channels;
using Agents.Notification.Channels.PagerDuty;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Brains.Tests.Notification;

public sealed class PagerDutyChannelTests : IAsyncLifetime
{
    private static readonly Guid IncidentId = Guid.Parse("6f1c2a9e-2b7d-4a51-9c3e-0d8b7e5a4f21");
    private static readonly DateTimeOffset At = new(2026, 11, 24, 2, 20, 0, TimeSpan.Zero);
    private static readonly string DedupKey = "agents-incident-6f1c2a9e-2b7d-4a51-9c3e-0d8b7e5a4f21";

    private FakePagerDutyEvents _pd = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _pd = await FakePagerDutyEvents.Start();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _pd.DisposeAsync();
    }

    [Fact]
    public async Task Escalation_triggers_an_alert_with_the_documented_fields()
    {
        var message = Message("escalation") with
        {
            Details = new Dictionary<string, string> { ["hypothesis"] = "regression in v7.4.2", ["summary"] = "a detail named summary" },
            IncidentUrl = new Uri("https://agents.example.com/incidents/6f1c"),
            TraceUrl = new Uri("https://tempo.example.com/trace/abc"),
            RunbookUrl = new Uri("https://wiki.example.com/runbooks/auth"),
        };

        var receipt = await Channel().SendAsync(message, null, default);

        Assert.Equal(DedupKey, receipt.ExternalId);
        var sent = Assert.Single(_pd.Requests);
        Assert.Equal("/v2/enqueue", sent.Path);
        Assert.Equal(HttpStatusCode.Accepted, sent.Answered);
        var json = sent.Json!;
        Assert.Equal(FakePagerDutyEvents.RoutingKey, json["routing_key"]!.GetValue<string>());
        Assert.Equal("trigger", json["event_action"]!.GetValue<string>());
        Assert.Equal(DedupKey, json["dedup_key"]!.GetValue<string>());
        Assert.Equal("Agents", json["client"]!.GetValue<string>());
        Assert.Equal("https://agents.example.com/incidents/6f1c", json["client_url"]!.GetValue<string>());
        var payload = json["payload"]!.AsObject();
        Assert.Equal("[critical] auth-service 5xx error rate is 23%", payload["summary"]!.GetValue<string>());
        Assert.Equal("alertmanager", payload["source"]!.GetValue<string>());
        Assert.Equal("critical", payload["severity"]!.GetValue<string>());
        Assert.Equal("auth-service", payload["component"]!.GetValue<string>());
        Assert.Equal("identity", payload["group"]!.GetValue<string>());
        Assert.Equal("escalation", payload["class"]!.GetValue<string>());
        Assert.Equal("2026-11-24T02:20:00.000Z", payload["timestamp"]!.GetValue<string>());
        var details = payload["custom_details"]!.AsObject();
        Assert.Equal("Error rate 23% since 02:13.\nSuspect: deploy v7.4.2.", details["summary"]!.GetValue<string>());
        Assert.Equal("regression in v7.4.2", details["hypothesis"]!.GetValue<string>());
        Assert.Equal("a detail named summary", details["detail: summary"]!.GetValue<string>());
        Assert.Equal(
            ["Incident https://agents.example.com/incidents/6f1c", "Trace https://tempo.example.com/trace/abc", "Runbook https://wiki.example.com/runbooks/auth"],
            json["links"]!.AsArray().Select(l => $"{l!["text"]} {l["href"]}"));
        var alert = Assert.Single(_pd.Alerts);
        Assert.Equal("triggered", alert.State);
    }

    [Theory]
    [InlineData("escalation", "normal", "trigger")]
    [InlineData("emergency", "page", "trigger")]
    [InlineData("approval-request", "high", "trigger")]
    [InlineData("no-consensus", "page", "trigger")]
    [InlineData("acknowledged", "page", "acknowledge")]
    [InlineData("resolution", "high", "resolve")]
    [InlineData("resolved-by-operator", "page", "resolve")]
    public async Task Each_event_maps_to_its_action(string @event, string priority, string action)
    {
        var receipt = await Channel().SendAsync(Message(@event) with { Priority = priority }, null, default);

        Assert.Equal(DedupKey, receipt.ExternalId);
        var json = Assert.Single(_pd.Requests).Json!;
        Assert.Equal(action, json["event_action"]!.GetValue<string>());
        Assert.Equal(DedupKey, json["dedup_key"]!.GetValue<string>());
        Assert.Equal(action == "trigger", json.ContainsKey("payload"));
    }

    [Theory]
    [InlineData("low-priority", "low")]
    [InlineData("no-consensus", "normal")]
    [InlineData("something-new", "high")]
    public async Task Events_that_do_not_page_send_nothing(string @event, string priority)
    {
        var receipt = await Channel().SendAsync(Message(@event) with { Priority = priority }, null, default);

        Assert.Equal(new ChannelReceipt(null, "nothing to send"), receipt);
        Assert.Empty(_pd.Requests);
    }

    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("high", "error")]
    [InlineData("medium", "warning")]
    [InlineData("low", "info")]
    [InlineData("bogus", "error")]
    [InlineData(null, "error")]
    public async Task Severity_maps_to_the_four_pagerduty_allows(string? severity, string expected)
    {
        await Channel().SendAsync(Message("escalation") with { Severity = severity }, null, default);

        Assert.Equal(expected, Assert.Single(_pd.Requests).Json!["payload"]!["severity"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_triggers_for_the_incident_make_one_alert_that_acknowledge_and_resolve_follow()
    {
        var channel = Channel();

        await channel.SendAsync(Message("escalation"), null, default);
        await channel.SendAsync(Message("escalation"), null, default);
        await channel.SendAsync(Message("emergency"), null, default);
        var alert = Assert.Single(_pd.Alerts);
        Assert.Equal(3, alert.Triggers);
        Assert.Equal("triggered", alert.State);

        await channel.SendAsync(Message(ChannelEvents.Acknowledged), null, default);
        Assert.Equal("acknowledged", Assert.Single(_pd.Alerts).State);
        await channel.SendAsync(Message(ChannelEvents.ResolvedByOperator), null, default);
        Assert.Equal("resolved", Assert.Single(_pd.Alerts).State);
        Assert.Equal(5, _pd.Requests.Count);
        Assert.All(_pd.Requests, r => Assert.Equal(HttpStatusCode.Accepted, r.Answered));
    }

    [Fact]
    public async Task Fields_are_cut_to_the_documented_limits_with_a_visible_ellipsis_and_the_event_stays_under_512_KB()
    {
        var huge = new string('x', 300_000) + "\n" + string.Concat(Enumerable.Repeat("é€", 200_000));
        var message = Message("escalation") with
        {
            Title = new string('T', 5000),
            Summary = huge,
            Details = Enumerable.Range(0, 200).ToDictionary(i => $"key{i}", _ => new string('d', 20_000)),
            Service = new string('s', 1000),
        };

        await Channel().SendAsync(message, null, default);

        var sent = Assert.Single(_pd.Requests);
        Assert.Equal(HttpStatusCode.Accepted, sent.Answered);
        Assert.True(Encoding.UTF8.GetByteCount(sent.Body) <= PagerDutyChannel.BodyLimitBytes, $"{sent.Body.Length} characters");
        var payload = sent.Json!["payload"]!;
        var summary = payload["summary"]!.GetValue<string>();
        Assert.Equal(1024, summary.Length);
        Assert.EndsWith("…", summary, StringComparison.Ordinal);
        Assert.EndsWith("…", payload["custom_details"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("…", payload["component"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(payload["component"]!.GetValue<string>().Length <= 255);
    }

    [Fact]
    public async Task Alert_text_is_sent_as_data_on_one_summary_line()
    {
        var message = Message("escalation") with { Title = "<!channel> \"quoted\"\n{\"routing_key\":\"x\"} <@U123>", Summary = "</script><b>bold</b> & \\ \u0000" };

        await Channel().SendAsync(message, null, default);

        var json = Assert.Single(_pd.Requests).Json!;
        Assert.Equal("<!channel> \"quoted\" {\"routing_key\":\"x\"} <@U123>", json["payload"]!["summary"]!.GetValue<string>());
        Assert.Equal("</script><b>bold</b> & \\ \u0000", json["payload"]!["custom_details"]!["summary"]!.GetValue<string>());
        Assert.Equal(FakePagerDutyEvents.RoutingKey, json["routing_key"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_429_without_retry_after_is_retried_with_back_off()
    {
        _pd.Script(FakePagerDutyEvents.TooManyRequests(), FakePagerDutyEvents.ServerError());

        var receipt = await Channel().SendAsync(Message("escalation"), null, default);

        Assert.Equal(DedupKey, receipt.ExternalId);
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError, HttpStatusCode.Accepted], _pd.Requests.Select(r => r.Answered));
        Assert.Single(_pd.Alerts);
    }

    [Fact]
    public async Task A_429_with_retry_after_waits_that_long()
    {
        _pd.Script(FakePagerDutyEvents.TooManyRequests(retryAfterSeconds: 2));
        var watch = Stopwatch.StartNew();

        await Channel().SendAsync(Message("escalation"), null, default);

        Assert.Equal(2, _pd.Requests.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {watch.Elapsed}");
    }

    [Fact]
    public async Task An_invalid_event_throws_with_pagerduty_errors_and_without_the_routing_key()
    {
        _pd.Script(FakePagerDutyEvents.Invalid($"routing key {FakePagerDutyEvents.RoutingKey} is not known", "'payload.source' is missing or blank"));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Channel().SendAsync(Message("escalation"), null, default));

        Assert.Single(_pd.Requests);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
        Assert.Contains("invalid event", error.Message, StringComparison.Ordinal);
        Assert.Contains("'payload.source' is missing or blank", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakePagerDutyEvents.RoutingKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fake_refuses_a_routing_key_of_the_wrong_length_and_the_channel_says_so()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Channel(routingKey: "short-key").SendAsync(Message("resolution"), null, default));

        Assert.Contains("Length of 'routing_key' is incorrect (should be 32 characters)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_that_persist_fail_the_delivery()
    {
        _pd.Script(Enumerable.Repeat(FakePagerDutyEvents.ServerError(), 4).ToArray());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Channel().SendAsync(Message("escalation"), null, default));

        Assert.Equal(4, _pd.Requests.Count);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.Empty(_pd.Alerts);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Without_a_routing_key_the_channel_is_off(string? routingKey)
    {
        var channel = Channel(routingKey: routingKey, setKey: routingKey is not null);

        Assert.False(channel.IsConfigured);
        Assert.Equal("pagerduty", channel.Name);
    }

    [Fact]
    public void With_a_routing_key_the_channel_is_on_idempotent_and_single_destination()
    {
        var channel = Channel();

        Assert.True(channel.IsConfigured);
        Assert.True(channel.IsIdempotent);
        Assert.Null(channel.DefaultTarget);
    }

    [Fact]
    public void The_default_base_url_is_pagerduty_events()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notification:Channels:PagerDuty:RoutingKey"] = FakePagerDutyEvents.RoutingKey,
        }).Build();
        using var services = new ServiceCollection().AddPagerDutyChannel(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PagerDutyChannelOptions>>().Value;

        Assert.Equal(new Uri("https://events.pagerduty.com/"), options.BaseUrl);
        Assert.True(services.GetRequiredService<INotificationChannel>().IsConfigured);
    }

    private INotificationChannel Channel(string? routingKey = FakePagerDutyEvents.RoutingKey, bool setKey = true)
    {
        var settings = new Dictionary<string, string?> { ["Notification:Channels:PagerDuty:BaseUrl"] = _pd.BaseUrl.ToString() };
        if (setKey)
        {
            settings["Notification:Channels:PagerDuty:RoutingKey"] = routingKey;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _services = new ServiceCollection().AddPagerDutyChannel(configuration).BuildServiceProvider();
        return Assert.IsType<PagerDutyChannel>(_services.GetRequiredService<INotificationChannel>());
    }

    private static ChannelMessage Message(string @event) => new()
    {
        IncidentId = IncidentId,
        Event = @event,
        EventKey = $"{IncidentId:N}:{@event}",
        Priority = "page",
        Status = "Escalated",
        Title = "[critical] auth-service 5xx error rate is 23%",
        Summary = "Error rate 23% since 02:13.\nSuspect: deploy v7.4.2.",
        Severity = "critical",
        Service = "auth-service",
        Team = "identity",
        Source = "alertmanager",
        At = At,
    };
}

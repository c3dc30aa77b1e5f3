using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Agents.Notification.Channels;
using Agents.Notification.Channels.Slack;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Brains.Tests.Notification;

public sealed class SlackChannelTests : IAsyncLifetime
{
    private static readonly Guid IncidentId = Guid.Parse("5d0c6a57-54a4-4f5e-9d43-7a2f4c0e9b11");
    private static readonly DateTimeOffset At = new(2026, 11, 24, 2, 20, 0, TimeSpan.Zero);

    private FakeSlack _slack = null!;
    private ServiceProvider? _provider;

    public async Task InitializeAsync() => _slack = await FakeSlack.Start();

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await _slack.DisposeAsync();
    }

    [Fact]
    public async Task First_event_posts_the_head_message_with_blocks_and_answers_channel_id_and_ts()
    {
        var channel = Channel();

        var receipt = await channel.SendAsync(Message(), null, default);

        var head = Assert.Single(_slack.Messages(FakeSlack.IncidentsChannelId));
        Assert.Equal($"{FakeSlack.IncidentsChannelId}:{head.Ts}", receipt.ExternalId);
        var call = Assert.Single(_slack.Calls);
        Assert.Equal("chat.postMessage", call.Method);
        Assert.Equal($"Bearer {FakeSlack.Token}", call.Headers["authorization"]);
        Assert.Equal("application/json; charset=utf-8", call.Headers["content-type"]);
        Assert.Equal("#incidents", call.Str("channel"));
        Assert.Null(call.Body!["thread_ts"]);
        var blocks = Blocks(call);
        Assert.Equal("header", blocks[0]["type"]!.ToString());
        Assert.Equal("auth-service 5xx error rate is 23%", blocks[0]["text"]!["text"]!.ToString());
        var facts = Fields(blocks[1]);
        Assert.Contains("Status: Escalated", facts);
        Assert.Contains("Severity: critical", facts);
        Assert.Contains("Service: auth-service", facts);
        Assert.Contains("Team: identity", facts);
        Assert.Contains(blocks, b => b["type"]!.ToString() == "section" && b["text"]?["text"]?.ToString() == "Error rate 23% since 02:13.\nSuspect deploy v7.4.2.");
        Assert.Contains(blocks, b => b["fields"] is not null && Fields(b).Contains("region: eu-west-1"));
        var links = blocks.Single(b => b["text"]?["type"]?.ToString() == "mrkdwn")["text"]!["text"]!.ToString();
        Assert.Equal(
            "<https://agents.example.com/incidents/5d0c6a57-54a4-4f5e-9d43-7a2f4c0e9b11|Incident>  ·  <https://grafana.example.com/explore?traceId=ab12&amp;orgId=1|Trace>  ·  <https://runbooks.example.com/auth-service/5xx|Runbook>",
            links);
        Assert.StartsWith("auth-service 5xx error rate is 23%\nEscalated, status Escalated\n", call.Str("text"), StringComparison.Ordinal);
        Assert.False(call.Body!["unfurl_links"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Later_event_updates_the_head_and_replies_in_its_thread()
    {
        var channel = Channel();
        var head = await channel.SendAsync(Message(), null, default);

        var receipt = await channel.SendAsync(
            Message() with
            {
                Event = ChannelEvents.Acknowledged,
                EventKey = "ack-1",
                Status = "Acknowledged",
                Summary = "Acknowledged by Earline Greenholt.",
                ThreadRef = head.ExternalId,
            },
            null,
            default);

        Assert.Equal(head.ExternalId, receipt.ExternalId);
        Assert.Equal(["chat.postMessage", "chat.update", "chat.postMessage"], _slack.Calls.Select(c => c.Method));
        var message = Assert.Single(_slack.Messages(FakeSlack.IncidentsChannelId));
        Assert.Equal(1, message.Edits);
        var headFacts = Fields(((JsonArray)message.Body["blocks"]!).OfType<JsonObject>().ToList()[1]);
        Assert.Contains("Status: Acknowledged", headFacts);
        var update = _slack.Calls.ElementAt(1);
        Assert.Equal(FakeSlack.IncidentsChannelId, update.Str("channel"));
        Assert.Equal(message.Ts, update.Str("ts"));
        var reply = Assert.Single(_slack.Replies(FakeSlack.IncidentsChannelId, message.Ts));
        Assert.Equal(message.Ts, reply.ThreadTs);
        var replyTexts = _slack.Calls.Last().Texts().Select(t => t.Text).ToList();
        Assert.Contains("*Acknowledged* · status *Acknowledged*", replyTexts);
        Assert.Contains("Acknowledged by Earline Greenholt.", replyTexts);
    }

    [Fact]
    public async Task Slack_ok_false_becomes_an_exception_naming_the_error_and_never_the_token()
    {
        var channel = Channel();

        var error = await Assert.ThrowsAsync<SlackApiException>(() => channel.SendAsync(Message(), "#nowhere", default));

        Assert.Equal("channel_not_found", error.Error);
        Assert.Contains("channel_not_found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSlack.Token, error.ToString(), StringComparison.Ordinal);
        Assert.Single(_slack.Calls);
    }

    [Fact]
    public async Task Update_of_a_head_that_is_gone_fails_before_any_reply_is_posted()
    {
        var channel = Channel();

        var error = await Assert.ThrowsAsync<SlackApiException>(() =>
            channel.SendAsync(Message() with { ThreadRef = $"{FakeSlack.IncidentsChannelId}:1700000000.000100" }, null, default));

        Assert.Equal("message_not_found", error.Error);
        Assert.Equal(["chat.update"], _slack.Calls.Select(c => c.Method));
    }

    [Fact]
    public async Task Rate_limit_waits_what_Retry_After_asks_then_posts_once()
    {
        var channel = Channel();
        _slack.Then(FakeSlack.RateLimited(retryAfterSeconds: 1));
        var clock = Stopwatch.StartNew();

        var receipt = await channel.SendAsync(Message(), null, default);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {clock.Elapsed}");
        Assert.Equal(2, _slack.Calls.Count);
        var head = Assert.Single(_slack.Messages(FakeSlack.IncidentsChannelId));
        Assert.Equal($"{FakeSlack.IncidentsChannelId}:{head.Ts}", receipt.ExternalId);
    }

    [Fact]
    public async Task A_post_answered_5xx_is_not_sent_again_but_an_update_is()
    {
        var channel = Channel();
        _slack.Then(FakeSlack.ServerError());

        // Slack may have posted it before failing: the delivery is uncertain, never an ordinary failure to send again.
        var uncertain = await Assert.ThrowsAsync<DeliveryUncertainException>(() => channel.SendAsync(Message(), null, default));
        var error = Assert.IsType<SlackApiException>(uncertain.InnerException);

        Assert.Equal("internal_error", error.Error);
        Assert.Contains("HTTP 500", uncertain.Message, StringComparison.Ordinal);
        Assert.Contains("may have been posted", uncertain.Message, StringComparison.Ordinal);
        Assert.Single(_slack.Calls);
        Assert.Empty(_slack.Messages(FakeSlack.IncidentsChannelId));

        var head = await channel.SendAsync(Message(), null, default);
        _slack.Then(FakeSlack.ServerError(System.Net.HttpStatusCode.ServiceUnavailable));
        await channel.SendAsync(Message() with { Event = "resolution", Status = "Resolved", ThreadRef = head.ExternalId }, null, default);

        Assert.Equal(["chat.postMessage", "chat.postMessage", "chat.update", "chat.update", "chat.postMessage"], _slack.Calls.Select(c => c.Method));
        var message = Assert.Single(_slack.Messages(FakeSlack.IncidentsChannelId));
        Assert.Single(_slack.Replies(FakeSlack.IncidentsChannelId, message.Ts));
    }

    [Fact]
    public async Task A_post_that_went_out_and_got_no_answer_may_have_been_posted_but_one_that_never_connected_was_not()
    {
        var channel = Channel();
        _slack.HoldUntilAborted = call => call.Method == "chat.postMessage";
        using var stop = new CancellationTokenSource();
        var send = channel.SendAsync(Message(), null, stop.Token);
        await FirstCall(send);
        stop.Cancel(); // the agent stops (or its timeout passes) while Slack still holds the post

        var uncertain = await Assert.ThrowsAsync<DeliveryUncertainException>(() => send);
        Assert.Contains("may have been posted", uncertain.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSlack.Token, uncertain.ToString(), StringComparison.Ordinal);

        // Nothing listens there: the request never left, so it is an ordinary failure (the next attempt sends it).
        using var closed = System.Net.Sockets.TcpListener.Create(0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Channel(baseUrl: $"http://127.0.0.1:{port}/api/").SendAsync(Message(), null, default));
        Assert.IsType<HttpRequestException>(refused);
    }

    [Fact]
    public async Task A_post_that_never_went_out_is_an_ordinary_failure_whether_cancelled_before_or_while_waiting_out_a_rate_limit()
    {
        var channel = Channel();
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            var before = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => channel.SendAsync(Message(), null, cancelled.Token));
            Assert.IsNotType<DeliveryUncertainException>(before);
        }

        Assert.Empty(_slack.Calls);

        // Slack refuses the post (429, come back in 30 s) and the agent stops during the wait: Slack has nothing.
        _slack.Then(FakeSlack.RateLimited(retryAfterSeconds: 30));
        using var stop = new CancellationTokenSource();
        var send = channel.SendAsync(Message(), null, stop.Token);
        await FirstCall(send);
        stop.Cancel();
        var waiting = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.IsNotType<DeliveryUncertainException>(waiting);
        Assert.Single(_slack.Calls);
    }

    [Fact]
    public async Task A_post_refused_as_unavailable_is_a_failure_to_send_again_and_one_Slack_calls_internal_error_may_have_been_posted()
    {
        var channel = Channel();
        _slack.Then(FakeSlack.ServerError(System.Net.HttpStatusCode.ServiceUnavailable));
        var unavailable = await Assert.ThrowsAsync<SlackApiException>(() => channel.SendAsync(Message(), null, default));
        Assert.Contains("HTTP 503", unavailable.Message, StringComparison.Ordinal);

        _slack.Then(FakeSlack.Error("internal_error"));
        var uncertain = await Assert.ThrowsAsync<DeliveryUncertainException>(() => channel.SendAsync(Message(), null, default));
        Assert.Equal("internal_error", Assert.IsType<SlackApiException>(uncertain.InnerException).Error);

        _slack.Then(FakeSlack.Error("not_in_channel"));
        Assert.Equal("not_in_channel", (await Assert.ThrowsAsync<SlackApiException>(() => channel.SendAsync(Message(), null, default))).Error);
        Assert.Equal(3, _slack.Calls.Count);
    }

    [Fact]
    public async Task Alert_text_reaches_Slack_escaped_with_no_mention_link_or_markup()
    {
        var channel = Channel();
        const string attack = "<!channel> <@U123> <http://evil|click> & more";

        await channel.SendAsync(
            Message() with
            {
                Title = "Disk full <!here>",
                Summary = attack,
                Service = "<@U999>",
                Details = new Dictionary<string, string> { ["note"] = "<!everyone>" },
            },
            null,
            default);

        var texts = Assert.Single(_slack.Calls).Texts().ToList();
        foreach (var (_, text) in texts)
        {
            Assert.DoesNotContain("<!", text, StringComparison.Ordinal);
            Assert.DoesNotContain("<@", text, StringComparison.Ordinal);
            Assert.DoesNotContain("<http://evil", text, StringComparison.Ordinal);
            // The only '<' that reaches Slack opens a link made from a trusted URI.
            Assert.All(Regex.Matches(text, "<[^>]*>").Select(m => m.Value), link => Assert.Matches("^<https://[a-z]+\\.example\\.com/[^|<> ]*\\|(Incident|Trace|Runbook)>$", link));
        }

        Assert.Contains(texts, t => t.Text == "&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|click&gt; &amp; more");
        Assert.Contains(texts, t => t.Text == "Disk full &lt;!here&gt;");
        Assert.Contains(texts, t => t.Text == "Service: &lt;@U999&gt;");
        Assert.Contains(texts, t => t.Text == "note: &lt;!everyone&gt;");
        Assert.DoesNotContain(texts, t => t.Type == "mrkdwn" && t.Text.Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_huge_alert_is_cut_within_Slack_limits_with_a_visible_ellipsis()
    {
        var channel = Channel();
        var details = Enumerable.Range(0, 40).ToDictionary(i => $"fact{i:D2}", _ => new string('x', 5000));

        await channel.SendAsync(
            Message() with { Title = new string('T', 500), Summary = new string('&', 100_000), Details = details },
            null,
            default);

        Assert.Single(_slack.Messages(FakeSlack.IncidentsChannelId)); // the fake accepted every limit
        var call = Assert.Single(_slack.Calls);
        var blocks = Blocks(call);
        Assert.True(blocks.Count <= 50);
        var header = blocks[0]["text"]!["text"]!.ToString();
        Assert.Equal(150, header.Length);
        Assert.EndsWith("…", header, StringComparison.Ordinal);
        var summary = blocks.Where(b => b["text"]?["text"]?.ToString().StartsWith("&amp;", StringComparison.Ordinal) == true)
            .Select(b => b["text"]!["text"]!.ToString()).ToList();
        Assert.Equal(SlackChannel.MaxSummarySections, summary.Count);
        Assert.All(summary, s => Assert.InRange(s.Length, 2900, 3000));
        Assert.All(summary, s => Assert.Matches("^(&amp;)+…?$", s));
        Assert.EndsWith("…", summary[^1], StringComparison.Ordinal);
        var text = call.Str("text")!;
        Assert.True(text.Length <= 4000, $"text is {text.Length}");
        Assert.EndsWith("…", text, StringComparison.Ordinal);
        var detailFields = blocks.Where(b => b["fields"] is not null).Skip(1).SelectMany(Fields).ToList();
        Assert.Equal(30, detailFields.Count);
        Assert.All(detailFields, f => Assert.Equal(2000, f.Length));
        Assert.Contains(call.Texts(), t => t.Text == "10 more details not shown");
    }

    [Fact]
    public void Without_a_token_the_channel_is_off()
    {
        Assert.False(Channel(token: null).IsConfigured);
        Assert.False(Channel(token: "  ").IsConfigured);
        Assert.False(Channel(defaultChannel: null).IsConfigured);

        var configured = Channel(claims: "C0CLAIMS01");
        Assert.True(configured.IsConfigured);
        Assert.Equal("slack", configured.Name);
        Assert.False(configured.IsIdempotent);
        Assert.Equal("#incidents", configured.DefaultTarget);
        var options = _provider!.GetRequiredService<Microsoft.Extensions.Options.IOptions<SlackChannelOptions>>().Value;
        Assert.Equal("C0CLAIMS01", options.ClaimsChannel);
        Assert.DoesNotContain(FakeSlack.Token, options.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Until the fake has the first call of <paramref name="send"/> (10 s at most), which is then still in hand.</summary>
    private async Task FirstCall(Task send)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_slack.Calls.IsEmpty && DateTime.UtcNow < deadline && !send.IsCompleted)
        {
            await Task.Delay(20);
        }

        Assert.Single(_slack.Calls);
    }

    private INotificationChannel Channel(string? token = FakeSlack.Token, string? defaultChannel = "#incidents", string? claims = null, string? baseUrl = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notification:Channels:Slack:BaseUrl"] = baseUrl ?? _slack.BaseUrl,
            ["Notification:Channels:Slack:Token"] = token,
            ["Notification:Channels:Slack:Channel"] = defaultChannel,
            ["Notification:Channels:Slack:ClaimsChannel"] = claims,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSlackChannel(configuration);
        _provider = services.BuildServiceProvider();
        return Assert.Single(_provider.GetServices<INotificationChannel>());
    }

    private static ChannelMessage Message() => new()
    {
        IncidentId = IncidentId,
        Event = "escalation",
        EventKey = "escalation-1",
        Priority = "page",
        Status = "Escalated",
        Title = "auth-service 5xx error rate is 23%",
        Summary = "Error rate 23% since 02:13.\nSuspect deploy v7.4.2.",
        Severity = "critical",
        Service = "auth-service",
        Team = "identity",
        Source = "alertmanager",
        IncidentUrl = new Uri($"https://agents.example.com/incidents/{IncidentId}"),
        TraceUrl = new Uri("https://grafana.example.com/explore?traceId=ab12&orgId=1"),
        RunbookUrl = new Uri("https://runbooks.example.com/auth-service/5xx"),
        Details = new Dictionary<string, string> { ["region"] = "eu-west-1" },
        At = At,
    };

    private static List<JsonObject> Blocks(FakeSlack.Call call) => ((JsonArray)call.Body!["blocks"]!).OfType<JsonObject>().ToList();

    private static List<string> Fields(JsonObject block) => ((JsonArray)block["fields"]!).Select(f => f!["text"]!.ToString()).ToList();
}

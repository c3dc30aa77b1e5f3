using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Agents.Notification.Channels;
using Agents.Notification.Channels.Email;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Agents.Brains.Tests.Notification;

/// <summary>The email channel against a real SMTP server (aiosmtpd on loopback, messages read back from its Maildir).</summary>
public sealed class EmailChannelTests : IAsyncLifetime
{
    private static readonly Guid IncidentId = Guid.Parse("5b0c7f0e-2a61-4c55-9d1e-0f3a9b1c2d4e");
    private const string Password = "pw-Never-Shown-7f3e";

    private SmtpServer _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpServer.Start();

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    [Fact]
    public async Task Sends_one_multipart_alternative_message_with_a_plain_and_an_html_part_threaded_per_incident()
    {
        var channel = Channel(_smtp.ChannelSettings());

        var receipt = await channel.SendAsync(Message(), null, default);

        var mail = Assert.Single(_smtp.Messages());
        Assert.Equal("Escalated: [critical] auth-service 5xx error rate is 23%", mail.Subject);
        Assert.Equal("agents@example.test", Assert.IsType<MailboxAddress>(Assert.Single(mail.From)).Address);
        Assert.Equal("oncall@example.test", Assert.IsType<MailboxAddress>(Assert.Single(mail.To)).Address);
        Assert.Equal("oncall@example.test", mail.Headers["X-RcptTo"]);
        Assert.Equal(EmailChannel.MessageId(IncidentId, "escalation:1"), mail.MessageId);
        Assert.Equal(mail.MessageId, receipt.ExternalId);
        Assert.StartsWith($"incident-{IncidentId:D}.", mail.MessageId, StringComparison.Ordinal);
        Assert.Equal($"incident-{IncidentId:D}@agents", mail.InReplyTo);
        Assert.Equal([$"incident-{IncidentId:D}@agents"], mail.References);
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
        Assert.Equal(MessagePriority.Urgent, mail.Priority);

        var alternative = Assert.IsType<MultipartAlternative>(mail.Body);
        Assert.Equal(2, alternative.Count);
        Assert.Equal("text/plain", alternative[0].ContentType.MimeType);
        Assert.Equal("text/html", alternative[1].ContentType.MimeType);
        Assert.Contains("auth-service 5xx error rate is 23%\nDeploy v7.4.2 is the suspect.", mail.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Service: auth-service", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("  suspect_version: v7.4.2", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Runbook: https://runbooks.example.test/auth-5xx", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://agents.example.test/incidents/5b0c7f0e-2a61-4c55-9d1e-0f3a9b1c2d4e\">Incident</a>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<td>auth-service</td>", mail.HtmlBody, StringComparison.Ordinal);

        // A later event of the same incident: another id, the same thread, and the first message referenced.
        await channel.SendAsync(Message() with { Event = "resolution", EventKey = "resolution:1", ThreadRef = receipt.ExternalId }, null, default);

        var second = _smtp.Messages()[1];
        Assert.Equal(EmailChannel.MessageId(IncidentId, "resolution:1"), second.MessageId);
        Assert.NotEqual(mail.MessageId, second.MessageId);
        Assert.Equal(receipt.ExternalId, second.InReplyTo);
        Assert.Equal([$"incident-{IncidentId:D}@agents", receipt.ExternalId!], second.References);
    }

    [Fact]
    public async Task Hostile_alert_text_is_html_encoded_and_links_come_only_from_the_url_fields()
    {
        var channel = Channel(_smtp.ChannelSettings());
        var message = Message() with
        {
            Title = "<b>bold</b> & \"quoted\"",
            Summary = "<script>alert('x')</script>\n<a href=\"https://evil.example\">click here</a>",
            Service = "<img src=x onerror=alert(1)>",
            Details = new Dictionary<string, string> { ["<i>key</i>"] = "<iframe src=\"https://evil.example\"></iframe>" },
            RunbookUrl = new Uri("javascript:alert(1)"),
        };

        await channel.SendAsync(message, null, default);

        var html = Assert.Single(_smtp.Messages()).HtmlBody!;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a href=\"https://evil", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>bold", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;a href=&quot;https://evil.example&quot;&gt;click here&lt;/a&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<b>&lt;i&gt;key&lt;/i&gt;</b>", html, StringComparison.Ordinal);

        // The only links: the incident's and the trace's (the runbook's javascript: URL is no link).
        var hrefs = System.Text.RegularExpressions.Regex.Matches(html, "<a href=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal([$"https://agents.example.test/incidents/{IncidentId:D}", "https://traces.example.test/trace/4bf92f3577b34da6"], hrefs);
    }

    [Fact]
    public async Task Subject_is_one_line_cut_to_250_characters_with_a_visible_ellipsis()
    {
        var channel = Channel(_smtp.ChannelSettings());
        var title = "First line\r\nBcc: victim@example.test\tand " + new string('x', 400);

        await channel.SendAsync(Message() with { Title = title }, null, default);

        var mail = Assert.Single(_smtp.Messages());
        Assert.Equal(EmailChannel.SubjectLimit, mail.Subject!.Length);
        Assert.EndsWith("x…", mail.Subject, StringComparison.Ordinal);
        Assert.StartsWith("First line Bcc: victim@example.test and xxx", mail.Subject, StringComparison.Ordinal);
        Assert.Empty(mail.Bcc);
        Assert.Equal("oncall@example.test", mail.Headers["X-RcptTo"]);
    }

    [Fact]
    public async Task A_route_target_replaces_the_default_recipients()
    {
        var channel = Channel(_smtp.ChannelSettings());
        Assert.Equal("oncall@example.test", channel.DefaultTarget);

        await channel.SendAsync(Message(), "dba@example.test, Storage Team <storage@example.test>", default);

        var mail = Assert.Single(_smtp.Messages());
        Assert.Equal(["dba@example.test", "storage@example.test"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("dba@example.test, storage@example.test", mail.Headers["X-RcptTo"]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => channel.SendAsync(Message(), "not an address", default));
    }

    [Fact]
    public async Task A_server_that_is_not_running_is_a_clear_failure_without_the_password()
    {
        var port = _smtp.Port;
        await _smtp.DisposeAsync();
        var settings = new Dictionary<string, string?>(_smtp.ChannelSettings())
        {
            ["Notification:Channels:Email:User"] = "agents",
            ["Notification:Channels:Email:Password"] = Password,
        };
        var channel = Channel(settings);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => channel.SendAsync(Message(), null, default));

        Assert.Contains($"SMTP 127.0.0.1:{port} could not be reached", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionRefused", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_message_fails_with_the_smtp_status()
    {
        await using var small = await SmtpServer.Start(maxSize: 2_000);
        var channel = Channel(small.ChannelSettings());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => channel.SendAsync(Message() with { Summary = new string('y', 5_000) }, null, default));

        Assert.Contains($"SMTP 127.0.0.1:{small.Port} refused the message", error.Message, StringComparison.Ordinal);
        Assert.Contains("552", error.Message, StringComparison.Ordinal);
        Assert.Empty(small.Messages());
    }

    [Fact]
    public async Task A_relay_that_hangs_up_after_taking_the_message_may_have_delivered_it_so_it_is_not_a_failure_to_send_again()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var settings = new Dictionary<string, string?>(_smtp.ChannelSettings()) { ["Notification:Channels:Email:Port"] = port.ToString(CultureInfo.InvariantCulture) };

        // Hung up at DATA, before the body: nothing can have been delivered, an ordinary failure (sent again later).
        var early = HangUp(listener, afterTheBody: false);
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => Channel(settings).SendAsync(Message(), null, default));
        Assert.Contains($"SMTP 127.0.0.1:{port} failed", failed.Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await early.WaitAsync(TimeSpan.FromSeconds(30)));

        // Hung up after the whole body, instead of answering it: the relay may have taken it.
        var relay = HangUp(listener, afterTheBody: true);
        var error = await Assert.ThrowsAsync<DeliveryUncertainException>(() => Channel(settings).SendAsync(Message(), null, default));

        Assert.Contains($"SMTP 127.0.0.1:{port} got no answer while the message was sent", error.Message, StringComparison.Ordinal);
        Assert.Contains("it may have been delivered", error.Message, StringComparison.Ordinal);
        Assert.Contains("Subject: Escalated: [critical] auth-service", await relay.WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
    }

    /// <summary>
    /// A relay that takes one connection and hangs up at DATA, or after taking the message's whole body instead of
    /// answering it; answers the body it took.
    /// </summary>
    private static async Task<string> HangUp(TcpListener listener, bool afterTheBody)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 relay.test ESMTP");
        var message = new StringBuilder();
        var data = false;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (data)
            {
                if (line == ".")
                {
                    break;
                }

                message.AppendLine(line);
                continue;
            }

            switch (line.Split(' ')[0].ToUpperInvariant())
            {
                case "EHLO":
                    await writer.WriteLineAsync("250 relay.test");
                    break;
                case "DATA" when !afterTheBody:
                    return message.ToString();
                case "DATA":
                    await writer.WriteLineAsync("354 end with <CRLF>.<CRLF>");
                    data = true;
                    break;
                default:
                    await writer.WriteLineAsync("250 ok");
                    break;
            }
        }

        return message.ToString();
    }

    [Fact]
    public async Task Credentials_the_server_cannot_take_fail_clearly_without_the_password()
    {
        var settings = new Dictionary<string, string?>(_smtp.ChannelSettings())
        {
            ["Notification:Channels:Email:User"] = "agents",
            ["Notification:Channels:Email:Password"] = Password,
        };
        var channel = Channel(settings);

        // aiosmtpd offers AUTH only over TLS: a relay without AUTH must not get the message unauthenticated.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => channel.SendAsync(Message(), null, default));

        Assert.Contains("authentication", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(_smtp.Messages());
    }

    [Fact]
    public async Task Without_host_sender_or_recipients_the_channel_is_off_and_plain_text_needs_a_loopback_host()
    {
        foreach (var missing in new[] { "Host", "From", "To" })
        {
            var settings = new Dictionary<string, string?>(_smtp.ChannelSettings()) { [$"Notification:Channels:Email:{missing}"] = null };
            Assert.False(Channel(settings).IsConfigured, missing);
        }

        var configured = Channel(_smtp.ChannelSettings());
        Assert.True(configured.IsConfigured);
        Assert.Equal("email", configured.Name);
        Assert.False(configured.IsIdempotent);
        Assert.Null(Channel(new Dictionary<string, string?>()).DefaultTarget);

        var remote = new Dictionary<string, string?>(_smtp.ChannelSettings()) { ["Notification:Channels:Email:Host"] = "smtp.example.test" };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Channel(remote).SendAsync(Message(), null, default));
        Assert.Contains("Security=none is allowed only for a loopback host", error.Message, StringComparison.Ordinal);

        var unknown = new Dictionary<string, string?>(_smtp.ChannelSettings()) { ["Notification:Channels:Email:Security"] = "tls1.0" };
        error = await Assert.ThrowsAsync<InvalidOperationException>(() => Channel(unknown).SendAsync(Message(), null, default));
        Assert.Contains("must be none, starttls or ssl", error.Message, StringComparison.Ordinal);
        Assert.Empty(_smtp.Messages());
    }

    private static INotificationChannel Channel(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddEmailChannel(configuration);
        var channel = Assert.Single(services.BuildServiceProvider().GetServices<INotificationChannel>());
        return Assert.IsType<EmailChannel>(channel);
    }

    private static ChannelMessage Message() => new()
    {
        IncidentId = IncidentId,
        Event = "escalation",
        EventKey = "escalation:1",
        Priority = "page",
        Status = "Escalated",
        Title = "Escalated: [critical] auth-service 5xx error rate is 23%",
        Summary = "auth-service 5xx error rate is 23%\nDeploy v7.4.2 is the suspect.",
        Severity = "critical",
        Service = "auth-service",
        Team = "identity",
        Source = "alertmanager",
        IncidentUrl = new Uri($"https://agents.example.test/incidents/{IncidentId:D}"),
        TraceUrl = new Uri("https://traces.example.test/trace/4bf92f3577b34da6"),
        RunbookUrl = new Uri("https://runbooks.example.test/auth-5xx"),
        Details = new Dictionary<string, string> { ["suspect_version"] = "v7.4.2" },
        At = new DateTimeOffset(2026, 11, 24, 2, 20, 0, TimeSpan.Zero),
    };
}

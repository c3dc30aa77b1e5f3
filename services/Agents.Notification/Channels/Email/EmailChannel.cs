using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Agents.Notification.Channels.Email;

/// <summary>
/// Email through an SMTP relay (MailKit): one <c>multipart/alternative</c> message per event, a plain-text and an HTML
/// part with every piece of alert text HTML-encoded (links only from the message's URL fields), threaded per incident:
/// each message's <c>Message-Id</c> derives from the incident and the event key, and all of them answer
/// <c>&lt;incident-{id}@agents&gt;</c> (<c>In-Reply-To</c>, <c>References</c>), so a mail client shows one conversation
/// per incident. Not idempotent: a message sent twice arrives twice.
/// </summary>
public sealed class EmailChannel(IOptions<EmailChannelOptions> options) : INotificationChannel
{
    /// <summary>MailKit's timeout for connecting and for each read or write.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The subject's length at most (RFC 5322 allows 998 per line; mail clients show far less).</summary>
    public const int SubjectLimit = 250;

    /// <summary>The summary's length at most in the body.</summary>
    public const int SummaryLimit = 20_000;

    /// <summary>The number of details shown at most, and each one's key and value length at most.</summary>
    public const int DetailsLimit = 50, DetailKeyLimit = 100, DetailValueLimit = 1_000;

    /// <summary>The length of the title, service, team and source in the body at most.</summary>
    public const int FieldLimit = 500;

    private const string Domain = "agents";

    private readonly EmailChannelOptions _options = options.Value;

    public string Name => "email";

    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(_options.Host) && !string.IsNullOrWhiteSpace(_options.From) && !string.IsNullOrWhiteSpace(_options.To);

    public bool IsIdempotent => false;

    public string? DefaultTarget => string.IsNullOrWhiteSpace(_options.To) ? null : _options.To.Trim();

    /// <summary>The id every message of the incident answers (without the angle brackets).</summary>
    public static string ThreadId(Guid incidentId) => $"incident-{incidentId:D}@{Domain}";

    /// <summary>The message's id (without the angle brackets): the incident and a hash of the event key (any text).</summary>
    public static string MessageId(Guid incidentId, string eventKey)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventKey)))[..32];
        return $"incident-{incidentId:D}.{hash}@{Domain}";
    }

    public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            throw new InvalidOperationException("the email channel is not configured (Notification:Channels:Email:Host, From and To)");
        }

        var host = _options.Host!.Trim();
        var port = _options.Port;
        var security = Security(_options.Security, host);
        var mail = Compose(message, Mailbox(_options.From!, "From"), Recipients(string.IsNullOrWhiteSpace(target) ? _options.To! : target));
        var where = $"SMTP {host}:{port.ToString(CultureInfo.InvariantCulture)}";

        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        var body = new BodyProgress();
        string response;
        try
        {
            await client.ConnectAsync(host, port, security, cancellationToken);
            if (!string.IsNullOrEmpty(_options.User))
            {
                await client.AuthenticateAsync(_options.User, _options.Password ?? string.Empty, cancellationToken);
            }

            response = await client.SendAsync(mail, cancellationToken, body);
        }
        catch (Exception e) when (body.Written && e is not (SmtpCommandException or ServiceNotAuthenticatedException or OutOfMemoryException))
        {
            // The message's whole body went out and the relay's answer never came: it may have taken it. Not sent again.
            // (A failure before the body, at MAIL FROM, RCPT TO or DATA, sent nothing: an ordinary failure below.)
            throw new DeliveryUncertainException($"{where} got no answer while the message was sent ({e.GetType().Name}): it may have been delivered", e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (SmtpCommandException e)
        {
            var mailbox = e.Mailbox is null ? string.Empty : $" for {e.Mailbox.Address}";
            throw new InvalidOperationException(
                $"{where} refused the message{mailbox}: {(int)e.StatusCode} {e.StatusCode}: {OneLine(e.Message, 300)}", e);
        }
        catch (AuthenticationException e)
        {
            // MailKit's message is the server's answer; the credentials are never part of it.
            throw new InvalidOperationException($"{where} refused the credentials of user '{_options.User}': {OneLine(e.Message, 300)}", e);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"{where} could not be reached: {e.SocketErrorCode}: {e.Message}", e);
        }
        catch (Exception e) when (e is SmtpProtocolException or SslHandshakeException or IOException or TimeoutException
                                      or OperationCanceledException or NotSupportedException or ServiceNotConnectedException
                                      or ServiceNotAuthenticatedException)
        {
            throw new InvalidOperationException($"{where} failed: {e.GetType().Name}: {OneLine(e.Message, 300)}", e);
        }

        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or TimeoutException or OperationCanceledException)
        {
            // The server accepted the message already: a QUIT that fails changes nothing about the delivery.
        }

        return new ChannelReceipt(mail.MessageId, OneLine(response, 200));
    }

    /// <summary>
    /// Notes when MailKit has written the message's whole body (after the relay's 354 to DATA): only then can the relay
    /// have taken it; a body broken off half-way was never delivered.
    /// </summary>
    private sealed class BodyProgress : ITransferProgress
    {
        private int _written;

        public bool Written => Volatile.Read(ref _written) == 1;

        public void Report(long bytesTransferred, long totalSize)
        {
            if (bytesTransferred >= totalSize)
            {
                Interlocked.Exchange(ref _written, 1);
            }
        }

        public void Report(long bytesTransferred) => Interlocked.Exchange(ref _written, 1);
    }

    /// <summary>The message as sent (public for the tests and the example in docs/notifications.md).</summary>
    public static MimeMessage Compose(ChannelMessage message, MailboxAddress from, InternetAddressList to)
    {
        var mail = new MimeMessage
        {
            Subject = Cut(OneLine(message.Title, int.MaxValue), SubjectLimit),
            MessageId = MessageId(message.IncidentId, message.EventKey),
            Date = message.At,
        };
        mail.From.Add(from);
        mail.To.AddRange(to);

        var thread = ThreadId(message.IncidentId);
        mail.References.Add(thread);
        var first = FirstMessage(message.ThreadRef);
        if (first is not null && first != thread)
        {
            mail.References.Add(first);
        }

        mail.InReplyTo = first ?? thread;

        // RFC 3834: no vacation or out-of-office answers to an automatic message (and Exchange's equivalent).
        mail.Headers.Add("Auto-Submitted", "auto-generated");
        mail.Headers.Add("X-Auto-Response-Suppress", "All");
        mail.Headers.Add("X-Agents-Incident", message.IncidentId.ToString("D"));
        mail.Headers.Add("X-Agents-Event", Cut(OneLine(message.Event, int.MaxValue), 100));
        if (message.Priority is "page" or "high")
        {
            mail.Priority = MessagePriority.Urgent;
            mail.Importance = MessageImportance.High;
        }

        var body = new BodyBuilder { TextBody = PlainText(message), HtmlBody = Html(message) };
        mail.Body = body.ToMessageBody();
        return mail;
    }

    /// <summary>The recipients from a comma-separated list (<c>a@example.com, Ops &lt;ops@example.com&gt;</c>).</summary>
    public static InternetAddressList Recipients(string text)
    {
        if (!InternetAddressList.TryParse(ParserOptions.Default, text, out var list) || list.Count == 0
            || list.Any(a => a is not MailboxAddress m || !m.Address.Contains('@', StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"the email recipients '{Cut(OneLine(text, int.MaxValue), 200)}' are not a comma-separated list of addresses");
        }

        return list;
    }

    private static MailboxAddress Mailbox(string text, string setting)
    {
        if (!MailboxAddress.TryParse(ParserOptions.Default, text, out var address) || !address.Address.Contains('@', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Notification:Channels:Email:{setting} '{Cut(OneLine(text, int.MaxValue), 200)}' is not an email address");
        }

        return address;
    }

    private static SecureSocketOptions Security(string? setting, string host) =>
        (setting ?? "starttls").Trim().ToLowerInvariant() switch
        {
            "starttls" or "" => SecureSocketOptions.StartTls,
            "ssl" => SecureSocketOptions.SslOnConnect,
            "none" when IsLoopback(host) => SecureSocketOptions.None,
            "none" => throw new InvalidOperationException(
                $"Notification:Channels:Email:Security=none is allowed only for a loopback host, not '{host}': use starttls or ssl"),
            _ => throw new InvalidOperationException(
                $"Notification:Channels:Email:Security must be none, starttls or ssl, not '{Cut(OneLine(setting!, int.MaxValue), 50)}'"),
        };

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>The first message's id the ledger hands back (<see cref="ChannelMessage.ThreadRef"/>), when it is one of ours.</summary>
    private static string? FirstMessage(string? threadRef)
    {
        var id = threadRef?.Trim().TrimStart('<').TrimEnd('>');
        return id is { Length: > 0 and < 200 } && id.EndsWith("@" + Domain, StringComparison.Ordinal) && id.All(c => c is > ' ' and < '\x7f' and not ('<' or '>'))
            ? id
            : null;
    }

    private static IEnumerable<(string Name, string Value)> Facts(ChannelMessage message)
    {
        yield return ("Priority", message.Priority);
        yield return ("Status", message.Status);
        if (message.Severity is { Length: > 0 } severity)
        {
            yield return ("Severity", severity);
        }

        if (message.Service is { Length: > 0 } service)
        {
            yield return ("Service", service);
        }

        if (message.Team is { Length: > 0 } team)
        {
            yield return ("Team", team);
        }

        if (message.Source is { Length: > 0 } source)
        {
            yield return ("Source", source);
        }
    }

    private static IEnumerable<(string Name, Uri Uri)> Links(ChannelMessage message)
    {
        // Only the message's own URL fields become links, and only web ones (never javascript:, data: ...).
        foreach (var (name, uri) in new[] { ("Incident", message.IncidentUrl), ("Trace", message.TraceUrl), ("Runbook", message.RunbookUrl) })
        {
            if (uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                yield return (name, uri);
            }
        }
    }

    private static IEnumerable<(string Key, string Value)> Details(ChannelMessage message) =>
        message.Details.Take(DetailsLimit).Select(d => (Cut(OneLine(d.Key, int.MaxValue), DetailKeyLimit), Cut(d.Value, DetailValueLimit)));

    private static string PlainText(ChannelMessage message)
    {
        var text = new StringBuilder();
        text.Append(Cut(message.Title, FieldLimit)).Append("\n\n");
        text.Append(Cut(message.Summary, SummaryLimit).TrimEnd()).Append("\n\n");
        foreach (var (name, value) in Facts(message))
        {
            text.Append(name).Append(": ").Append(Cut(OneLine(value, int.MaxValue), FieldLimit)).Append('\n');
        }

        var details = Details(message).ToList();
        if (details.Count > 0)
        {
            text.Append("\nDetails:\n");
            foreach (var (key, value) in details)
            {
                text.Append("  ").Append(key).Append(": ").Append(value).Append('\n');
            }
        }

        var links = Links(message).ToList();
        if (links.Count > 0)
        {
            text.Append('\n');
            foreach (var (name, uri) in links)
            {
                text.Append(name).Append(": ").Append(uri.AbsoluteUri).Append('\n');
            }
        }

        text.Append("\n-- \nSent by the agents' notification service (").Append(OneLine(message.Event, 100)).Append(", ")
            .Append(message.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append(").\n");
        return text.ToString();
    }

    private static string Html(ChannelMessage message)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family:sans-serif\">\n");
        html.Append("<h2>").Append(E(Cut(message.Title, FieldLimit))).Append("</h2>\n");
        html.Append("<pre style=\"white-space:pre-wrap;font-family:inherit\">").Append(E(Cut(message.Summary, SummaryLimit).TrimEnd())).Append("</pre>\n");
        html.Append("<table cellpadding=\"4\">\n");
        foreach (var (name, value) in Facts(message))
        {
            html.Append("<tr><th align=\"left\">").Append(name).Append("</th><td>").Append(E(Cut(OneLine(value, int.MaxValue), FieldLimit))).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        var details = Details(message).ToList();
        if (details.Count > 0)
        {
            html.Append("<h3>Details</h3>\n<ul>\n");
            foreach (var (key, value) in details)
            {
                html.Append("<li><b>").Append(E(key)).Append("</b>: ").Append(E(value)).Append("</li>\n");
            }

            html.Append("</ul>\n");
        }

        var links = Links(message).ToList();
        if (links.Count > 0)
        {
            html.Append("<p>");
            html.Append(string.Join(" | ", links.Select(l => $"<a href=\"{E(l.Uri.AbsoluteUri)}\">{l.Name}</a>")));
            html.Append("</p>\n");
        }

        html.Append("<p style=\"color:#777;font-size:small\">Sent by the agents' notification service (").Append(E(OneLine(message.Event, 100)))
            .Append(", ").Append(message.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append(").</p>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>The text on one line: line breaks, tabs and other control characters become spaces, runs of them one.</summary>
    internal static string OneLine(string text, int limit)
    {
        var line = new StringBuilder(Math.Min(text.Length, 4096));
        foreach (var c in text)
        {
            var blank = char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsWhiteSpace(c);
            if (blank)
            {
                if (line.Length > 0 && line[^1] != ' ')
                {
                    line.Append(' ');
                }
            }
            else
            {
                line.Append(c);
            }
        }

        return Cut(line.ToString().Trim(), limit);
    }

    /// <summary><paramref name="text"/> cut to <paramref name="limit"/> characters, ending with a visible "…" when cut.</summary>
    internal static string Cut(string text, int limit)
    {
        if (text.Length <= limit)
        {
            return text;
        }

        var keep = limit - 1;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }
}

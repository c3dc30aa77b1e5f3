using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace Agents.Testing;

/// <summary>
/// A real SMTP server on a free loopback port: Debian's aiosmtpd (package <c>python3-aiosmtpd</c>, which
/// deploy/local/test.sh installs) with its <c>Mailbox</c> handler, which stores every accepted message in a Maildir
/// (with the envelope in <c>X-MailFrom</c> and <c>X-RcptTo</c> headers) that <see cref="Messages"/> reads back. No TLS
/// and no AUTH: the email channel reaches it with <c>Security=none</c> (allowed for a loopback host). <see cref="Start"/>
/// waits until the server greets with <c>220</c>; <see cref="DisposeAsync"/> kills it. A wrapper shell kills it as
/// well when the test process dies (it holds the wrapper's stdin). Compiled into each test project that needs it.
/// </summary>
internal sealed class SmtpServer : IAsyncDisposable
{
    public const string Package = "python3-aiosmtpd";

    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);

    private const int MaxAttempts = 5;

    private readonly string _directory;
    private readonly ConcurrentQueue<string> _output = new();
    private WatchedProcess? _process;
    private int _disposed;

    private SmtpServer(string directory) => _directory = directory;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>The Maildir the server writes to.</summary>
    public string Maildir => Path.Combine(_directory, "maildir");

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(40));

    /// <summary>The settings the email channel needs to send here (to <paramref name="to"/> by default).</summary>
    public IReadOnlyDictionary<string, string?> ChannelSettings(string from = "Agents <agents@example.test>", string to = "oncall@example.test") =>
        new Dictionary<string, string?>
        {
            ["Notification:Channels:Email:Host"] = Host,
            ["Notification:Channels:Email:Port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["Notification:Channels:Email:Security"] = "none",
            ["Notification:Channels:Email:From"] = from,
            ["Notification:Channels:Email:To"] = to,
        };

    /// <summary>Starts a server; <paramref name="maxSize"/> caps a message's size (larger ones get <c>552</c>).</summary>
    public static async Task<SmtpServer> Start(int? maxSize = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var python = Python();
        var server = new SmtpServer(Directory.CreateTempSubdirectory("agents-smtp-").FullName);
        try
        {
            var wait = timeout ?? DefaultStartTimeout;
            var deadline = DateTime.UtcNow + wait;
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                List<string> arguments = ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"];
                if (maxSize is { } size)
                {
                    arguments.AddRange(["-s", size.ToString(CultureInfo.InvariantCulture)]);
                }

                arguments.AddRange(["-c", "aiosmtpd.handlers.Mailbox", server.Maildir]);
                server.Launch(python, port, arguments);
                if (await server.WaitReady(deadline, wait, cancellationToken))
                {
                    return server;
                }

                if (attempt == MaxAttempts)
                {
                    throw new InvalidOperationException(
                        $"aiosmtpd could not bind a free loopback port in {MaxAttempts} attempts:{Environment.NewLine}{server.RecentOutput}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The messages received so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var directory = Path.Combine(Maildir, "new");
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.GetFiles(directory)
            .Select(f => (File: f, Time: File.GetLastWriteTimeUtc(f)))
            .OrderBy(f => f.Time).ThenBy(f => f.File, StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f.File))
            .ToList();
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived (for senders in another process).</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessages(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = Messages();
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{messages.Count} of {count} messages arrived at {Host}:{Port} within {timeout}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp directory left behind is not worth failing a test for.
        }
    }

    /// <summary>Debian's python3 (where apt installs aiosmtpd), else the one on PATH.</summary>
    private static string Python()
    {
        foreach (var candidate in new[] { "/usr/bin/python3" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "python3";
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private void Launch(string python, int port, IReadOnlyList<string> arguments)
    {
        Port = port;
        _output.Enqueue($"[test] {python} {string.Join(' ', arguments)}");
        // Unbuffered, so that an early error reaches the output before the process exits.
        _process = WatchedProcess.Start("aiosmtpd", python, arguments, _directory, line => WatchedProcess.Keep(_output, line),
            new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" });
    }

    /// <summary>True once the server greets with 220 on the port; false when the port was taken (try another).</summary>
    private async Task<bool> WaitReady(DateTime deadline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var process = _process!;
        var last = "no answer yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken);
                var output = RecentOutput;
                await Stop();
                if (output.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)
                    || output.Contains("address in use", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                if (output.Contains("No module named aiosmtpd", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"aiosmtpd is missing: install the Debian package '{Package}' (deploy/local/test.sh installs it; by hand: "
                        + $"sudo apt-get install -y --no-install-recommends {Package}).{Environment.NewLine}{output}");
                }

                throw new InvalidOperationException($"aiosmtpd exited while starting:{Environment.NewLine}{output}");
            }

            try
            {
                using var client = new TcpClient();
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(IPAddress.Loopback, Port, attempt.Token);
                var buffer = new byte[512];
                var read = await client.GetStream().ReadAsync(buffer, attempt.Token);
                var greeting = Encoding.ASCII.GetString(buffer, 0, read);
                if (greeting.StartsWith("220", StringComparison.Ordinal) && !process.HasExited)
                {
                    return true;
                }

                last = greeting.Trim();
            }
            catch (Exception e) when (e is SocketException or IOException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                last = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                await Stop();
                throw new TimeoutException(
                    $"aiosmtpd did not greet on {Host}:{Port} within {timeout} (last: {last}):{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private async Task Stop()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.StopAsync();
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Agents.Testing;

/// <summary>
/// A real Redis on a free loopback port: Debian's <c>redis-server</c> (which deploy/local/test.sh and deps.sh install)
/// started as <c>redis-server --port P --bind 127.0.0.1 --save "" --appendonly no --daemonize no</c> in its own temp
/// directory, with a password when asked. <see cref="Start"/> waits until it answers <c>PING</c>;
/// <see cref="DisposeAsync"/> stops it. A wrapper shell kills it when the test process dies (it holds the wrapper's
/// stdin). Compiled into each test project that needs it.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    public const string Package = "redis-server";

    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);

    private const int MaxAttempts = 5;

    private readonly string _directory;
    private readonly ConcurrentQueue<string> _output = new();
    private WatchedProcess? _process;
    private int _disposed;

    private RedisServer(string directory, string? password) => (_directory, Password) = (directory, password);

    public int Port { get; private set; }

    /// <summary>The password the server requires (<c>requirepass</c>), or null.</summary>
    public string? Password { get; }

    /// <summary>The StackExchange.Redis configuration string that reaches it.</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}" + (Password is null ? "" : $",password={Password}");

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(40));

    public static async Task<RedisServer> Start(string? password = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var server = new RedisServer(Directory.CreateTempSubdirectory("agents-redis-").FullName, password);
        try
        {
            var wait = timeout ?? DefaultStartTimeout;
            var deadline = DateTime.UtcNow + wait;
            for (var attempt = 1; ; attempt++)
            {
                server.Launch(FreePort());
                if (await server.WaitReady(deadline, wait, cancellationToken))
                {
                    return server;
                }

                if (attempt == MaxAttempts)
                {
                    throw new InvalidOperationException($"redis-server could not bind a free loopback port in {MaxAttempts} attempts:{Environment.NewLine}{server.RecentOutput}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command (RESP) on a fresh connection and returns the raw reply, for checks independent of the client under test.</summary>
    public async Task<string> Command(params string[] arguments)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        if (Password is not null)
        {
            await Send(stream, ["AUTH", Password]);
            await ReadReply(stream);
        }

        await Send(stream, arguments);
        return await ReadReply(stream);
    }

    /// <summary>Writes <paramref name="count"/> string keys named by <paramref name="name"/>(i) through one pipelined connection.</summary>
    public async Task Fill(int count, Func<int, string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        var replies = 0;
        if (Password is not null)
        {
            await Send(stream, ["AUTH", Password]);
            replies++;
        }

        for (var i = 0; i < count; i++)
        {
            await Send(stream, ["SET", name(i), "v"]);
        }

        replies += count;
        for (var i = 0; i < replies; i++)
        {
            await ReadReply(stream);
        }
    }

    /// <summary>The number of keys in database 0.</summary>
    public async Task<long> KeyCount() => long.Parse((await Command("DBSIZE")).TrimStart(':'), CultureInfo.InvariantCulture);

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

    private static async Task Send(NetworkStream stream, IReadOnlyList<string> arguments)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{arguments.Count}\r\n");
        foreach (var argument in arguments)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>Reads one reply line (simple string, error, integer) or a bulk string; enough for the commands used here.</summary>
    private static async Task<string> ReadReply(NetworkStream stream)
    {
        var line = await ReadLine(stream);
        if (line.StartsWith('$') && line != "$-1")
        {
            var length = int.Parse(line[1..], CultureInfo.InvariantCulture);
            var buffer = new byte[length + 2];
            await stream.ReadExactlyAsync(buffer);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }

        return line;
    }

    private static async Task<string> ReadLine(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one);
            if (one[0] == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
            {
                return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 1);
            }

            bytes.Add(one[0]);
        }
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

    private static string Executable() => File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";

    private void Launch(int port)
    {
        Port = port;
        List<string> arguments =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", _directory, "--protected-mode", "no",
        ];
        if (Password is not null)
        {
            arguments.AddRange(["--requirepass", Password]);
        }

        _output.Enqueue($"[test] redis-server --port {port.ToString(CultureInfo.InvariantCulture)} --dir {_directory}");
        _process = WatchedProcess.Start("redis-server", Executable(), arguments, _directory, line => WatchedProcess.Keep(_output, line));
    }

    /// <summary>True once the server answers PING (or asks for the password); false when the port was taken (try another).</summary>
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
                if (output.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                if (output.Contains("not found", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException(
                        $"redis-server is missing: install the Debian package '{Package}' (deploy/local/test.sh installs it; by hand: "
                        + $"sudo apt-get install -y --no-install-recommends {Package}).{Environment.NewLine}{output}");
                }

                throw new InvalidOperationException($"redis-server exited while starting:{Environment.NewLine}{output}");
            }

            try
            {
                using var client = new TcpClient();
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(IPAddress.Loopback, Port, attempt.Token);
                await client.GetStream().WriteAsync("PING\r\n"u8.ToArray(), attempt.Token);
                var buffer = new byte[256];
                var read = await client.GetStream().ReadAsync(buffer, attempt.Token);
                var answer = Encoding.ASCII.GetString(buffer, 0, read);
                if ((answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal)) && !process.HasExited)
                {
                    return true;
                }

                last = answer.Trim();
            }
            catch (Exception e) when (e is SocketException or IOException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                last = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                await Stop();
                throw new TimeoutException($"redis-server did not answer PING on 127.0.0.1:{Port} within {timeout} (last: {last}):{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
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
